"""The word and line diffs of two versions of a text."""

from parcours.alliance.diff import Piece, has_changes, line_diff, word_diff


def test_word_diff_marks_the_added_and_removed_words():
    pieces = word_diff("Que Léa lise.", "Que Léa lise et écrive.")
    assert "".join(p.text for p in pieces if p.kind != "removed") == "Que Léa lise et écrive."
    assert "".join(p.text for p in pieces if p.kind != "added") == "Que Léa lise."
    assert has_changes(pieces) and not has_changes(word_diff("Même", "Même"))


def test_line_diff_gives_one_piece_a_line():
    assert line_diff(["a", "b", "c"], ["a", "c", "d", "e"]) == [
        Piece("same", "a"),
        Piece("removed", "b"),
        Piece("same", "c"),
        Piece("added", "d"),
        Piece("added", "e"),
    ]
    assert line_diff([], []) == [] and line_diff(["x"], ["x"]) == [Piece("same", "x")]
