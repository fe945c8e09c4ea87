"""Which readings a correction picker lists: the newest ones, or those at a clock time the nurse types."""

from __future__ import annotations

import re

PICKER_LIMIT = 300  # a 4-hour session at 1 Hz has 14,400 readings: the browser is sent this many at most


def picker_choices(labels: dict[int, str], find: str = "", chosen: int | None = None,
                   limit: int = PICKER_LIMIT) -> tuple[list[int], str | None]:
    """Reading ids to offer (labels in time order, '#id at HH:MM: ...') and a line saying what is left out.

    find: a clock time 'HH:MM' (or 'H:MM', or 'HH'); the readings of that minute (or hour) are offered.
    The chosen reading is always offered, so a choice survives a change of what is listed.
    """
    ids = list(labels)
    find = find.strip()
    if find:
        wanted = _clock_prefix(find)
        if wanted is None:
            return _with(chosen, []), f"'{find}' is not a clock time: type it as HH:MM, e.g. 09:45"
        found = [i for i in ids if labels[i].split(" at ", 1)[-1].startswith(wanted)]
        shown = wanted.rstrip(":")
        note = None if found else f"no reading at {shown}"
        if len(found) > limit:
            note = f"the first {limit:,} of {len(found):,} readings at {shown} are listed"
        return _with(chosen, found[:limit]), note
    if len(ids) <= limit:
        return ids, None
    return _with(chosen, ids[-limit:]), (f"the newest {limit:,} of {len(ids):,} readings are listed: type a "
                                         "time to find an older one")


def _clock_prefix(text: str) -> str | None:
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", text)
    if not match or int(match.group(1)) > 23 or (match.group(2) and int(match.group(2)) > 59):
        return None
    hour = f"{int(match.group(1)):02d}"
    return f"{hour}:{match.group(2)}:" if match.group(2) else f"{hour}:"


def _with(chosen: int | None, ids: list[int]) -> list[int]:
    return ids if chosen is None or chosen in ids else [chosen, *ids]
