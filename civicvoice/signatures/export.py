"""The committee's CSV of signers: names as each signer allowed, spreadsheet formulas neutralised."""
import csv
import io
from zoneinfo import ZoneInfo

from flask_babel import gettext as _


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """A spreadsheet must show user text, never run it: a leading formula character gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _signed_on(signature, timezone: str) -> str:
    """ISO dates, so spreadsheets sort them: the sheet's date for paper, the confirmation's for online."""
    if signature.source == "paper":
        return signature.batch.collected_on.isoformat()
    return signature.confirmed_at.astimezone(ZoneInfo(timezone)).date().isoformat()


def signers_csv(proposal, signatures) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Number"), _("Name"), _("Neighbourhood"), _("Signed"), _("Date"), _("Identity verified"),
                     _("Why I sign (optional)")])
    for number, signature in enumerate(signatures, start=1):
        online = signature.source == "online"
        verified = online and signature.user is not None and signature.user.is_identity_verified
        writer.writerow([number, cell(signature.public_name),
                         cell(signature.neighbourhood), _("online") if online else _("on paper"),
                         _signed_on(signature, proposal.community.timezone),
                         _("yes") if verified else _("no"), cell(signature.comment)])
    return "\ufeff" + out.getvalue()  # a BOM, so spreadsheet programs read the Arabic as UTF-8
