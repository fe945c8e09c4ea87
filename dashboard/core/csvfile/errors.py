"""Why a file cannot be imported at all, as one plain sentence for the user."""

from __future__ import annotations


class UnusableFile(ValueError):
    """Nothing in the file can be imported (empty, not a table, no time, no vital, too large)."""


class NeedsSetting(UnusableFile):
    """The file can be read once the user gives one setting: 'dayfirst', 'start' or 'session'."""

    def __init__(self, setting: str, message: str):
        super().__init__(message)
        self.setting = setting
