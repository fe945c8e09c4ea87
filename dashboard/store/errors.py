"""Errors the store raises with a message fit to show a user."""


class StoreError(Exception):
    """A request the store refuses; str(error) is a plain sentence for the user."""


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    pass
