"""The anonymity rule: no figure drawn from fewer than 5 plans is shown, and no withheld
figure can be worked out from the shown cells and totals of its table."""

from hypothesis import given
from hypothesis import strategies as st

from parcours.observatory.anonymity import THRESHOLD, Cell, Line, suppress, suppress_one


def test_a_figure_under_five_plans_is_withheld():
    assert suppress_one(Cell(4, 4)).suppressed
    assert suppress_one(Cell(0.5, 3)).shown is None
    assert suppress_one(Cell(0.5, 3)).shown_plans is None
    shown = suppress_one(Cell(5, 5))
    assert not shown.suppressed and shown.shown == 5 and shown.shown_plans == 5


def test_a_single_withheld_cell_takes_the_total_with_it():
    cells = {0: Cell(12, 12), 1: Cell(3, 3), 2: Cell(7, 7), "total": Cell(22, 22)}
    published = suppress(cells, [Line((0, 1, 2), "total")])
    assert published[1].suppressed  # under 5
    assert published["total"].suppressed  # 22 - 12 - 7 would give it
    assert not published[0].suppressed and not published[2].suppressed


def test_a_withheld_total_takes_the_smallest_cell_with_it():
    cells = {0: Cell(12, 12), 1: Cell(6, 6), 2: Cell(7, 7), "total": Cell(25, 4)}
    published = suppress(cells, [Line((0, 1, 2), "total")])
    assert published["total"].suppressed  # drawn from 4 plans
    assert published[1].suppressed  # the smallest: 12 + 7 and the total no longer give it
    assert not published[0].suppressed and not published[2].suppressed


def test_a_withheld_total_takes_a_cell_with_it():
    cells = {0: Cell(3, 3), "total": Cell(3, 3)}
    published = suppress(cells, [Line((0,), "total")])
    assert published[0].suppressed and published["total"].suppressed


counts = st.integers(min_value=0, max_value=40)


@st.composite
def one_way_tables(draw):
    """A column of counts and its total (each count drawn from as many plans)."""
    values = draw(st.lists(counts, min_size=1, max_size=8))
    cells = {i: Cell(v, v) for i, v in enumerate(values)}
    cells["total"] = Cell(sum(values), sum(values))
    return cells, [Line(tuple(range(len(values))), "total")]


@st.composite
def two_way_tables(draw):
    """Rows by columns of counts, with the rows', the columns' and the grand totals."""
    rows = draw(st.integers(min_value=1, max_value=4))
    columns = draw(st.integers(min_value=1, max_value=4))
    grid = [[draw(counts) for _ in range(columns)] for _ in range(rows)]
    cells = {(r, c): Cell(grid[r][c], grid[r][c]) for r in range(rows) for c in range(columns)}
    lines = []
    for r in range(rows):
        total = sum(grid[r])
        cells[(r, "total")] = Cell(total, total)
        lines.append(Line(tuple((r, c) for c in range(columns)), (r, "total")))
    for c in range(columns):
        total = sum(grid[r][c] for r in range(rows))
        cells[("total", c)] = Cell(total, total)
        lines.append(Line(tuple((r, c) for r in range(rows)), ("total", c)))
    grand = sum(map(sum, grid))
    cells[("total", "total")] = Cell(grand, grand)
    lines.append(Line(tuple(("total", c) for c in range(columns)), ("total", "total")))
    lines.append(Line(tuple((r, "total") for r in range(rows)), ("total", "total")))
    return cells, lines


def _recomputable(published: dict, lines: list[Line]) -> set:
    """The withheld cells an attacker works out by differencing: a line with one unknown
    gives it; what is found is known, for the other lines (repeated until nothing new)."""
    known = {key for key, cell in published.items() if not cell.suppressed}
    found = set()
    progress = True
    while progress:
        progress = False
        for line in lines:
            unknown = [key for key in (*line.cells, line.total) if key not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                found.add(unknown[0])
                progress = True
    return found


def _check(cells, lines):
    published = suppress(cells, lines)
    for key, cell in cells.items():
        if cell.plans < THRESHOLD:
            assert published[key].suppressed, key
        if not published[key].suppressed:
            assert published[key].shown == cell.value
    assert not _recomputable(published, lines)
    for line in lines:
        withheld = [k for k in (*line.cells, line.total) if published[k].suppressed]
        assert len(withheld) != 1


@given(one_way_tables())
def test_no_withheld_cell_of_a_column_can_be_worked_out(table):
    _check(*table)


@given(two_way_tables())
def test_no_withheld_cell_of_a_two_way_table_can_be_worked_out(table):
    _check(*table)
