"""A readable word-level diff between two revisions (words stay whole, so Arabic reads right)."""
import difflib
import re

from .models import CATEGORIES

_TOKENS = re.compile(r"\s+|[^\s]+")
FIELDS = ("title", "summary", "body", "place", "resolution")


def words(a: str, b: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in "same", "del", "ins"; whitespace kept so the text reflows as written."""
    old, new = _TOKENS.findall(a or ""), _TOKENS.findall(b or "")
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("del", "".join(old[i1:i2])))
        if j2 > j1:
            parts.append(("ins", "".join(new[j1:j2])))
    return parts


def revisions(old, new) -> list[dict]:
    """Each changed field of two revisions with its word diff."""
    changes = []
    for field in FIELDS:
        before, after = getattr(old, field) or "", getattr(new, field) or ""
        if before != after:
            changes.append({"field": field, "parts": words(before, after)})
    if old.category != new.category:
        changes.append({"field": "category", "parts": [("del", str(CATEGORIES[old.category])),
                                                        ("ins", str(CATEGORIES[new.category]))]})
    if old.council_id != new.council_id:
        changes.append({"field": "council", "parts": [("del", old.council.name if old.council else ""),
                                                       ("ins", new.council.name if new.council else "")]})
    return changes
