"""Errors a request can be refused with, each with a message fit to show a user."""


class StoreError(Exception):
    """A request the records refuse; str(error) is a plain sentence for the user."""


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    pass
