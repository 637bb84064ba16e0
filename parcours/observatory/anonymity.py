"""The anonymity rule of the observatory: no figure drawn from fewer than 5 plans is shown,
and no shown figure lets a withheld one be worked out.

Pure: cells in, the same cells out with some withheld. A table is a set of cells and the
*lines* that add up: a line names its cells and the cell that holds their total (a column of
counts and its total row). Primary suppression withholds every cell drawn from fewer than
`THRESHOLD` plans; complementary suppression then withholds, in every line where exactly one
cell (its total included) is withheld, a second one — its total, else the smallest shown
cell — so that no line gives a withheld value by subtraction.

Then every figure shown is rounded to a base of 5 (`publish`): counts, days and the numbers of
plans to the nearest multiple of 5, shares to the nearest 5 %. Suppression works within one
table; rounding is what protects across tables. An observer may ask any period and each of
their scopes, so a withheld figure could otherwise be worked out by subtracting two shown
ones: the hand-offs of a period as the difference of a longer period and its end, the plans of
a territory outside one of its organisations as the difference of the two scopes. Once both
are rounded, each difference is uncertain by up to 4 either way, so that several values under
5 fit the same answers (tests/observatory/test_differencing.py). What rounding does not stop:
someone who slides a period one day at a time sees the day a rounded figure jumps, and so the
exact count on that day.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace

THRESHOLD = 5
# Published figures are multiples of these: counts, days and plans; shares (0 to 1).
BASE = 5
SHARE_BASE = 0.05


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


def rounded(value: float | int | None, base: float = BASE) -> float | int | None:
    """The value rounded half up to a multiple of `base` (an int for a whole base)."""
    if value is None:
        return None
    steps = math.floor(value / base + 0.5)
    return steps * base if isinstance(base, int) else round(steps * base, 2)


def publish(cell: Cell, share: bool = False) -> Cell:
    """The cell as it is published: its value (a share, or a count or days) and its number of
    plans rounded to a base of 5; a withheld cell keeps nothing."""
    if cell.suppressed:
        return Cell(None, 0, suppressed=True)
    return Cell(rounded(cell.value, SHARE_BASE if share else BASE), rounded(cell.plans), False)
