"""Bar charts as SVG geometry, computed on the server: no JavaScript, labelled for screen readers, mirrored in RTL."""
from dataclasses import dataclass

WIDTH = 320
LABEL_ROW = 20
BAR_HEIGHT = 18
GAP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    share: float  # of the total, 0..1
    y: int  # top of the label row
    bar_y: int
    x: float  # left edge of the bar (from the right edge in RTL)
    width: float
    text_x: float


def bars(rows: list[tuple[str, int]], rtl: bool, total: int | None = None) -> dict:
    """Geometry for one horizontal bar per (label, value); bars are scaled to the largest value.

    Shares are of the sum of values, or of `total` when given (a funnel: each step as a share of the first).
    """
    largest = max((value for _, value in rows), default=0) or 1
    total = (sum(value for _, value in rows) if total is None else total) or 1
    out, y = [], 0
    for label, value in rows:
        width = WIDTH * value / largest
        x = WIDTH - width if rtl else 0
        out.append(Bar(str(label), value, value / total, y, y + LABEL_ROW, x, width, WIDTH if rtl else 0))
        y += LABEL_ROW + BAR_HEIGHT + GAP
    return {"bars": out, "width": WIDTH, "height": max(y - GAP, 1), "bar_height": BAR_HEIGHT, "rtl": rtl}
