"""A community's pre-moderation rules, as a pure decision: does this argument wait for the committee, and why?"""
import re
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from .. import arabic

HOLD_REASONS = {
    "new_account": _l("the account is new"),
    "links": _l("it contains a link"),
    "words": _l("it contains a word on the committee's list"),
    "reported_user": _l("its author was reported; the committee is reviewing"),
}
# http(s)://…, www.…, or a bare domain with a common ending (people type "example.com" without the scheme).
LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|net|org|info|io|me|sy|co|app|link|xyz|ly)\b)", re.IGNORECASE)


def contains_link(text: str) -> bool:
    return LINK.search(text or "") is not None


def matching_words(text: str, words: list[str]) -> list[str]:
    """The listed words found in `text` as whole words or phrases, spelling variants folded (tashkeel, alef forms,
    taa marbuta…) and joined prefixes (و، ال…) taken off, as arabic.key does."""
    haystack = f" {arabic.key(text)} "
    return [word for word in words if arabic.key(word) and f" {arabic.key(word)} " in haystack]


def hold_reason(*, account_created_at: datetime, now: datetime, text: str, hold_account_days: int,
                hold_links: bool, words: list[str], author_held: bool = False) -> str | None:
    """The first rule that holds the argument (a key of HOLD_REASONS), or None: it is published at once."""
    if author_held:
        return "reported_user"
    if hold_account_days and now - account_created_at < timedelta(days=hold_account_days):
        return "new_account"
    if hold_links and contains_link(text):
        return "links"
    if words and matching_words(text, words):
        return "words"
    return None
