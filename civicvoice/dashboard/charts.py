"""Signatures per week as SVG columns, computed on the server: no JavaScript, labelled, mirrored in RTL."""
from dataclasses import dataclass

WIDTH = 336
HEIGHT = 120
GAP = 4


@dataclass(frozen=True)
class Column:
    value: int
    x: float
    y: float
    width: float
    height: float
    label: str


def columns(values: list[tuple[str, int]], rtl: bool) -> dict:
    """One column per (label, value), oldest first: left to right in LTR, right to left in RTL."""
    count = max(len(values), 1)
    width = (WIDTH - GAP * (count - 1)) / count
    largest = max((value for _label, value in values), default=0) or 1
    out = []
    for index, (label, value) in enumerate(values):
        height = HEIGHT * value / largest
        slot = count - 1 - index if rtl else index
        out.append(Column(value, slot * (width + GAP), HEIGHT - height, width, height, label))
    return {"columns": out, "width": WIDTH, "height": HEIGHT}
