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
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(Piece("added", "".join(b[j1:j2])))
        if op == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
    return pieces


def has_changes(pieces: list[Piece]) -> bool:
    return any(p.kind != "same" for p in pieces)
