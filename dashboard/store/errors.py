"""The store's errors, defined in dashboard.core.errors so pages and commands need not import the store."""

from dashboard.core.errors import Conflict, NotFound, StoreError

__all__ = ["Conflict", "NotFound", "StoreError"]
