"""What changed between two versions of a text, word by word."""

import difflib
import re
from dataclasses import dataclass
from typing import Literal

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    kind: Literal["same", "added", "removed"]
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """The new text as pieces kept, added or removed compared with the old one."""
    return [
        Piece(kind, "".join(tokens))
        for kind, tokens in _compare(_TOKENS.findall(old or ""), _TOKENS.findall(new or ""))
    ]


def line_diff(old: list[str], new: list[str]) -> list[Piece]:
    """The new lines as lines kept, added or removed compared with the old ones: one piece a
    line, for lists where each line is one idea (the indicators on the easy-read page)."""
    return [Piece(kind, line) for kind, lines in _compare(old, new) for line in lines]


def _compare(a: list[str], b: list[str]) -> list[tuple[str, list[str]]]:
    """The runs of `b` kept, added or removed compared with `a` (removed before added)."""
    runs: list[tuple[str, list[str]]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            runs.append(("removed", a[i1:i2]))
        if op in ("insert", "replace"):
            runs.append(("added", b[j1:j2]))
        if op == "equal":
            runs.append(("same", a[i1:i2]))
    return runs


def has_changes(pieces: list[Piece]) -> bool:
    return any(p.kind != "same" for p in pieces)
