"""The table a resource keeps its models, classifiers or v2.1 models in: a dict that can be read on
from a stable position, so that a list page costs O(page) and not O(all assets).

It is a plain `dict` to every reader (insertion order, equality, `in`, `.values()`). Behind it, each
key has a slot in an append-only list: a new key takes the next slot, a deleted key leaves a hole, and
replacing a value keeps its slot (as a dict keeps the key's place). A continuation token holds a slot
position, so the next page starts where the last one ended, whatever was added or deleted meanwhile.

It also counts its ready entries (`ready`), for the `customDocumentModels.count` a v2.1 list page and
`info` report: an entry's status turns ready (or stops being ready) only by storing a new entry under
its key, as copies.py does, never by changing a stored one in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol, TypeVar


class HasStatus(Protocol):
    status: Any


V = TypeVar("V", bound=HasStatus)


class AssetTable(dict[str, V]):
    """Assets by id, in insertion order, readable from a slot position (see the module docstring)."""

    def __init__(self, items: Iterable[tuple[str, V]] = ()) -> None:
        super().__init__()
        self._slots: list[str | None] = []
        self._slot_of: dict[str, int] = {}
        self.ready = 0
        """How many entries have status "ready"."""
        for key, value in items:
            self[key] = value

    def __setitem__(self, key: str, value: V) -> None:
        previous = self.get(key)
        if previous is None:
            self._slot_of[key] = len(self._slots)
            self._slots.append(key)
        elif previous.status == "ready":
            self.ready -= 1
        super().__setitem__(key, value)
        if value.status == "ready":
            self.ready += 1

    def __delitem__(self, key: str) -> None:
        value = self[key]
        super().__delitem__(key)
        self._slots[self._slot_of.pop(key)] = None
        if value.status == "ready":
            self.ready -= 1

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        if key in self:
            value = self[key]
            del self[key]
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def setdefault(self, key: str, default: V) -> V:  # type: ignore[override]
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: V) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        super().clear()
        self._slots.clear()
        self._slot_of.clear()
        self.ready = 0

    def popitem(self) -> tuple[str, V]:
        key = next(reversed(self))
        return key, self.pop(key)

    def __reduce__(self) -> tuple[Any, ...]:
        """Copies and pickles rebuild the slots by storing the items again."""
        return (self.__class__, (list(self.items()),))

    @property
    def end(self) -> int:
        """The position after the last slot."""
        return len(self._slots)

    def from_position(self, position: int) -> Iterator[tuple[int, V]]:
        """(slot position, value) of every entry at `position` or later, in insertion order."""
        slots = self._slots
        for index in range(max(position, 0), len(slots)):
            key = slots[index]
            if key is not None:
                yield index, self[key]
