"""The anonymity rule of the observatory: no figure drawn from fewer than 5 plans is shown,
and no shown figure lets a withheld one be worked out.

Pure: cells in, the same cells out with some withheld. A table is a set of cells and the
*lines* that add up: a line names its cells and the cell that holds their total (a column of
counts and its total row). Primary suppression withholds every cell drawn from fewer than
`THRESHOLD` plans; complementary suppression then withholds, in every line where exactly one
cell (its total included) is withheld, a second one — its total, else the smallest shown
cell — so that no line gives a withheld value by subtraction.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace

THRESHOLD = 5


@dataclass(frozen=True)
class Cell:
    """One figure: its value and the number of plans it is drawn from."""

    value: float | int | None
    plans: int
    suppressed: bool = False

    @property
    def shown(self) -> float | int | None:
        """The value as published: None once withheld."""
        return None if self.suppressed else self.value

    @property
    def shown_plans(self) -> int | None:
        """The number of plans as published: None once withheld (it would tell "fewer than
        5" apart from zero, and a count of plans is often the figure itself)."""
        return None if self.suppressed else self.plans


@dataclass(frozen=True)
class Line:
    """Cells whose values add up to the total cell."""

    cells: tuple[Hashable, ...]
    total: Hashable


def suppress(
    cells: Mapping[Hashable, Cell], lines: Sequence[Line] = (), threshold: int = THRESHOLD
) -> dict[Hashable, Cell]:
    """The cells as they may be published: primary then complementary suppression."""
    result = {
        key: replace(cell, suppressed=cell.suppressed or cell.plans < threshold)
        for key, cell in cells.items()
    }
    changed = True
    while changed:
        changed = False
        for line in lines:
            members = (*line.cells, line.total)
            withheld = [key for key in members if result[key].suppressed]
            if len(withheld) != 1:
                continue
            shown = [key for key in members if not result[key].suppressed]
            if not shown:
                continue
            # The total first (the cells stay, and it only says "at least their sum"), else
            # the smallest shown cell, which hides the least; ties by position.
            second = (
                line.total
                if line.total in shown
                else min(shown, key=lambda key: (result[key].value or 0, members.index(key)))
            )
            result[second] = replace(result[second], suppressed=True)
            changed = True
    return result


def suppress_one(cell: Cell, threshold: int = THRESHOLD) -> Cell:
    """A figure on its own (no line adds it up): withheld under the threshold."""
    return suppress({0: cell}, (), threshold)[0]
