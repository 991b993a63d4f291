"""Integers read from a URL's query string, range-checked: a number no database column holds is the client's
error, never an overflow on our side."""
import re

from flask import abort, request

from .i18n import to_ascii_digits

MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32-bit on PostgreSQL, and SQLite overflows past 64 bits
MAX_PAGE = 10**6  # far beyond any listing, and page * MAX_PER_PAGE still fits a 32-bit OFFSET
_WHOLE_NUMBER = re.compile(r"[0-9]+")


def query_int(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID,
              status: int = 400) -> int | None:
    """The query parameter `name` as a whole number from `minimum` to `maximum`; `default` when absent or empty.

    Digits typed on an Arabic keyboard are digits. Anything else (a sign, an exponent, hex, a number out of range)
    aborts with `status`: 400 for a filter or a reference, 404 for the number of a page (as db.paginate answers).
    """
    value = to_ascii_digits(request.args.get(name, "").strip())
    if not value:
        return default
    # The length first: int() refuses strings of thousands of digits with an error of its own.
    if len(value) > len(str(maximum)) or not _WHOLE_NUMBER.fullmatch(value) or not minimum <= int(value) <= maximum:
        abort(status)
    return int(value)
