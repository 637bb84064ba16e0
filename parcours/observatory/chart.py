"""Bar charts of the observatory's tables, drawn on the server as SVG: the same figures as the
tables beside them (a withheld figure draws no bar and says so)."""

from dataclasses import dataclass

from parcours.observatory.anonymity import Cell

WIDTH = 100  # the bars' scale, in percent of the chart's width


@dataclass(frozen=True)
class Bar:
    label: str
    cell: Cell
    length: float  # 0..WIDTH; 0 for a withheld figure or nothing to measure


def bars(items: list[tuple[str, Cell]], share: bool = False) -> list[Bar]:
    """One bar per figure, scaled to the largest shown (a share to 1)."""
    shown = [cell.shown for _label, cell in items if cell.shown is not None]
    top = 1 if share else max(shown, default=0)
    return [
        Bar(label, cell, round(WIDTH * cell.shown / top, 1) if top and cell.shown else 0)
        for label, cell in items
    ]
