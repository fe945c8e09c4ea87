"""What the sessions list is asked for: the filters, the sort and the page, checked before any query runs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date

import pandas as pd

from dashboard.core.sessions import STATUSES

# sort key -> what the list calls it
SORTS = {"date": "Date", "code": "Session", "patient": "Patient", "infusion": "Infusion #", "status": "Status",
         "protocol": "Protocol", "nurse": "Nurse"}
PAGE_SIZES = (25, 50, 100)
MAX_PAGE_SIZE = 1000  # the command line pages through everything in pieces of this size
TEXT_LIMIT = 120  # longer than any stored code or name: a longer filter could match nothing


@dataclass(frozen=True)
class SessionFilter:
    """Filters (None / empty / False = not filtered), sort and page of the sessions list.

    nurse is the username of the account that opened the session; patient is part of a patient code (any case).
    """

    date_from: date | None = None
    date_to: date | None = None
    nurse: str | None = None
    patient: str | None = None
    protocol: str | None = None
    statuses: tuple[str, ...] = ()
    unacknowledged: bool = False  # a high-priority alert event nobody has acknowledged
    critical: bool = False  # any high-priority alert event (not withdrawn)
    not_signed: bool = False  # no supervisor signature yet
    sort: str = "date"
    descending: bool = True
    page: int = 1
    page_size: int = 50

    def __post_init__(self) -> None:
        for name in ("nurse", "patient", "protocol"):
            value = getattr(self, name)
            if value is not None:
                value = str(value).strip()
                if len(value) > TEXT_LIMIT:
                    raise ValueError(f"the {name} filter has at most {TEXT_LIMIT} characters")
                if "\x00" in value:  # SQLite would cut the text there, PostgreSQL refuses it
                    raise ValueError(f"the {name} filter holds a NUL character, which no stored code has")
                object.__setattr__(self, name, value or None)
        statuses = tuple(dict.fromkeys(self.statuses))
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise ValueError(f"unknown status {unknown[0]!r}: one of {', '.join(STATUSES)}")
        object.__setattr__(self, "statuses", statuses)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"the first day {self.date_from:%Y-%m-%d} is after the last day {self.date_to:%Y-%m-%d}")
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}: one of {', '.join(SORTS)}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"a page holds 1-{MAX_PAGE_SIZE} sessions, not {self.page_size}")
        if self.page < 1:
            raise ValueError(f"pages are numbered from 1, not {self.page}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def filters(self) -> dict:
        """The filters only (no sort or page): what a change of resets the page to 1."""
        return {name: getattr(self, name) for name in ("date_from", "date_to", "nurse", "patient", "protocol",
                                                       "statuses", "unacknowledged", "critical", "not_signed")}

    def describe(self) -> str:
        """The filters in words, e.g. 'from 2026-01-01, not signed'; '' when none."""
        words = []
        if self.date_from:
            words.append(f"from {self.date_from:%Y-%m-%d}")
        if self.date_to:
            words.append(f"to {self.date_to:%Y-%m-%d}")
        if self.nurse:
            words.append(f"nurse {self.nurse}")
        if self.patient:
            words.append(f"patient code containing {self.patient!r}")
        if self.protocol:
            words.append(f"protocol {self.protocol}")
        if self.statuses:
            words.append(" or ".join(self.statuses))
        words += [text for flag, text in ((self.unacknowledged, "alerts not acknowledged"),
                                          (self.critical, "critical alert"), (self.not_signed, "not signed"))
                  if flag]
        return ", ".join(words)


@dataclass(frozen=True)
class SessionPage:
    """One page of the list: total matching sessions, the page shown, and its records (tuples in LIST_COLUMNS
    order, as the database gave them; `rows` is the same as a DataFrame, made when first asked for)."""

    total: int
    page: int
    page_size: int
    records: tuple[tuple, ...] = field(repr=False)

    @cached_property
    def rows(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.records), columns=list(LIST_COLUMNS))

    @property
    def ids(self) -> list[int]:
        return [record[0] for record in self.records]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def first(self) -> int:
        """Number of the first row shown (1-based; 0 when nothing matches)."""
        return 0 if self.total == 0 else (self.page - 1) * self.page_size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.records) - 1 if self.records else 0

    def count_text(self) -> str:
        """'42 sessions', '1 session', 'No sessions'."""
        if self.total == 0:
            return "No sessions"
        return f"{self.total:,} session{'s' if self.total != 1 else ''}"


# The columns of SessionPage.rows, as the store gives them.
LIST_COLUMNS = ("id", "code", "patient_code", "session_date", "infusion_number", "status", "protocol", "nurse",
                "nurse_name", "readings", "alerts_high", "alerts_medium", "unacknowledged_high", "signed_meaning",
                "signed_by", "signer_name", "chair")


def last_page(total: int, page_size: int) -> int:
    return max(1, math.ceil(total / page_size))
