"""An import's problems kept as arrays (row, column, reason code); sentences are made only for those shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

Texts = Callable[[np.ndarray], list[str]]  # positions into a batch's rows -> its sentences


@dataclass(frozen=True)
class Batch:
    """One reason on some rows of the file."""

    rows: np.ndarray  # int64 row positions (into the rows read)
    column: str  # what the problem names: a column of the file, '' for the line as a whole
    position: int  # that column's position in the header (-1: none), for the cell's value and the order
    code: str  # reason code, counted in problems_by_reason
    text: Texts


def fixed(reason: str) -> Texts:
    return lambda at: [reason] * len(at)


def listed(reasons: Sequence[str]) -> Texts:
    return lambda at: [reasons[int(i)] for i in at]


class Problems:
    """Every problem of a file; the order is the file's: line, then column, then the order found."""

    def __init__(self, batches: Sequence[Batch] = ()):
        self.batches = tuple(b for b in batches if len(b.rows))
        self._order: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return sum(len(b.rows) for b in self.batches)

    def plus(self, batches: Sequence[Batch]) -> Problems:
        return Problems((*self.batches, *batches))

    def by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for b in self.batches:
            counts[b.code] = counts.get(b.code, 0) + len(b.rows)
        return dict(sorted(counts.items()))

    def rows(self) -> np.ndarray:
        """Rows with at least one problem, ascending."""
        if not self.batches:
            return np.zeros(0, np.int64)
        return np.unique(np.concatenate([b.rows for b in self.batches]))

    def _sorted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, batch, position in batch) of every problem, in the file's order."""
        if self._order is None:
            if not self.batches:
                empty = np.zeros(0, np.int64)
                self._order = (empty, empty, empty)
            else:
                rows = np.concatenate([b.rows for b in self.batches])
                batch = np.concatenate([np.full(len(b.rows), i, np.int64) for i, b in enumerate(self.batches)])
                index = np.concatenate([np.arange(len(b.rows)) for b in self.batches])
                column = np.array([b.position for b in self.batches], np.int64)[batch]
                order = np.lexsort((index, batch, column, rows))
                self._order = (rows[order], batch[order], index[order])
        return self._order

    def _texts(self, batch: np.ndarray, index: np.ndarray) -> list[str]:
        out: list[str] = [""] * len(batch)
        for b in np.unique(batch):
            at = np.flatnonzero(batch == b)
            for i, text in zip(at, self.batches[int(b)].text(index[at])):
                out[int(i)] = text
        return out

    def first(self, count: int) -> list[tuple[int, Batch, str]]:
        """(row, batch, sentence) of the first count problems."""
        rows, batch, index = (a[:count] for a in self._sorted())
        return [(int(r), self.batches[int(b)], t) for r, b, t in zip(rows, batch, self._texts(batch, index))]

    def reasons(self, wanted: np.ndarray, chunk: int = 50_000) -> Iterator[tuple[np.ndarray, list[str]]]:
        """For ascending rows, in chunks: (rows, 'column: reason; ...' of each)."""
        rows, batch, index = self._sorted()
        for first in range(0, len(wanted), chunk):
            part = wanted[first:first + chunk]
            lo, hi = np.searchsorted(rows, part[0], "left"), np.searchsorted(rows, part[-1], "right")
            r, b, i = rows[lo:hi], batch[lo:hi], index[lo:hi]
            texts = self._texts(b, i)
            joined: dict[int, list[str]] = {}
            for row, bb, text in zip(r.tolist(), b.tolist(), texts):
                column = self.batches[bb].column
                joined.setdefault(row, []).append(f"{column}: {text}" if column else text)
            yield part, ["; ".join(joined.get(int(row), [])) for row in part]
