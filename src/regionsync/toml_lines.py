"""Where each key of a TOML document is written, so that a validation error can name its line.

The one TOML line locator: the profiles file (config.py) and the emulator's scenario files use it.
`key_lines(text)` maps paths such as ``("resource", 1, "model", 0, "doc_types")`` — table names,
array-of-table indices and keys, as pydantic reports an error's location — to 1-based line
numbers. It reads headers, `key = value` lines and the keys of an inline table on such a line
(`primary = { endpoint = "…", key = "keyring" }`), which is all these files need;
`line_of(lines, loc)` finds the deepest known prefix of a location, and `locate_line(text, loc)`
does both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_INLINE_KEY = re.compile(r"""[{,]\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def key_lines(text: str) -> dict[Path, int]:
    """Every table, array element and key of `text`, with the line it starts on."""
    lines: dict[Path, int] = {}
    counters: dict[Path, int] = {}
    latest: dict[Path, int] = {}
    table: Path = ()
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = False
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            keys = _split_dotted(header.group(2))
            path: Path = ()
            for i, key in enumerate(keys):
                path = (*path, key)
                last = i == len(keys) - 1
                if last and header.group(1) == "[[":
                    index = counters.get(path, -1) + 1
                    counters[path] = index
                    latest[path] = index
                    lines.setdefault(path, number)
                    path = (*path, index)
                elif path in latest:
                    path = (*path, latest[path])
            table = path
            lines.setdefault(table, number)
            continue
        assign = _KEY.match(line)
        if assign:
            at = (*table, *_split_dotted(assign.group(1)))
            lines[at] = number
            for inline in _INLINE_KEY.finditer(line, assign.end()):
                lines.setdefault((*at, *_split_dotted(inline.group(1))[:1]), number)
            if line.count('"""') == 1 or line.count("'''") == 1:
                in_multiline = True
    return lines


def line_of(lines: dict[Path, int], loc: Sequence[str | int]) -> int | None:
    """The line of the deepest part of `loc` the document names (parts it does not know are skipped)."""
    best: int | None = lines.get(())
    path: Path = ()
    for part in loc:
        candidate = (*path, part)
        if candidate in lines or any(k[: len(candidate)] == candidate for k in lines):
            path = candidate
            if candidate in lines:
                best = lines[candidate]
    return best


def locate_line(text: str, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of `text` that best holds `loc` (its deepest known part), if any."""
    return line_of(key_lines(text), loc)
