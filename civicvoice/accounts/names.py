"""People's names, as typed: a name that carries a web address is refused (SECURITY.md A.8).

Names appear on public pages, in letters to councils and in the exports a council opens: a link there is an
advert or a lure, never a name (the UK petitions site refuses such signers' names too). Shown escaped and never
as a link, it would still be read, copied and printed.
"""
import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

NAME_WITH_ADDRESS = _l("Write the name without a web or email address.")

# Top-level domains a link in a name is written with: the common generic ones, and the country ones of the
# region and of link shorteners. Others are caught when a path follows ("example.zz/x"). A list, not every TLD:
# a name typed without a space after an initial ("M.Hassan", "م.أحمد") must not read as a domain.
LINK_TLDS = frozenset("""
    com net org info biz edu gov mil int app dev io co me ly tv cc ws to gl gd gg tk ml ga cf gq su
    xyz top site online store shop club live link click news blog tech cloud website space fun icu vip pro
    mobi name asia eu uk de fr nl ru cn tr ir iq sy lb jo ps sa ae qa kw bh om ye eg us ca au in
""".split())

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:/|\b(?:mailto|javascript|data):", re.IGNORECASE)
_WWW = re.compile(r"(?<![\w.])www\d{0,3}\.", re.IGNORECASE)
# A host name: labels of Latin letters, digits and hyphens (an Arabic domain in its xn-- spelling) joined by
# dots with no space, then what may follow it in a link.
_HOST = re.compile(r"(?<![\w-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+)(xn--[a-z0-9-]+|[a-z]{2,24})"
                   r"(?![\w-])(/)?", re.IGNORECASE)


def has_web_address(text: str | None) -> bool:
    """Whether `text` holds a link or a web or email address: a scheme (https://, mailto:), "www.", or a host
    name ending in a common top-level domain (example.com, bit.ly) or followed by a path (example.zz/x)."""
    if not text:
        return False
    if _SCHEME.search(text) or _WWW.search(text):
        return True
    for labels, tld, path in _HOST.findall(text):
        tld = tld.lower()
        if path or tld.startswith("xn--") or (tld in LINK_TLDS and len(labels.split(".")[-2]) > 1):
            return True
    return False


def person_name(form, field) -> None:
    """A form validator for a person's name: no web or email address in it."""
    if has_web_address(field.data):
        raise ValidationError(NAME_WITH_ADDRESS)
