"""User accounts: argon2 password hashes, roles, disabling, and the failed-sign-in counter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.core.clock import utcnow
from dashboard.core.roles import ROLES
from dashboard.store.db import Bind, begin, connect
from dashboard.store.errors import Conflict, NotFound
from dashboard.store.schema import users

_hasher = PasswordHasher()
USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,80}")
MIN_PASSWORD_LENGTH = 10
# A hash to verify against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    full_name: str
    role: str
    disabled: bool
    must_change_password: bool
    failed_attempts: int
    locked_until: datetime | None


def check_password_rules(password: str, username: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if username.lower() in password.lower():
        return "a password must not contain the username"
    return None


def _check(username: str, role: str, password: str) -> None:
    if not USERNAME.fullmatch(username):
        raise Conflict("a username is 1-80 letters, digits, '.', '-', '_' or '@' (an email for organisation sign-in)")
    if role not in ROLES:
        raise Conflict(f"role must be one of {', '.join(ROLES)}")
    if problem := check_password_rules(password, username):
        raise Conflict(problem)


def create_user(bind: Bind, username: str, full_name: str, role: str, password: str, *, by: str,
                must_change_password: bool = False) -> int:
    username = username.strip()
    _check(username, role, password)
    try:
        with begin(bind) as conn:
            return conn.execute(insert(users).values(
                username=username, full_name=full_name.strip() or username, role=role,
                password_hash=_hasher.hash(password), must_change_password=must_change_password, disabled=False,
                failed_attempts=0, created_at=utcnow(), created_by=by,
            ).returning(users.c.id)).scalar_one()
    except IntegrityError:
        raise Conflict(f"the username {username!r} is taken") from None


def _as_user(row) -> User:
    m = row._mapping
    return User(**{field: m[field] for field in User.__dataclass_fields__})


def get_user(bind: Bind, username: str) -> User | None:
    with connect(bind) as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
    return None if row is None else _as_user(row)


def count_users(bind: Bind) -> int:
    with connect(bind) as conn:
        return conn.execute(select(func.count()).select_from(users)).scalar_one()


def active_admins(bind: Bind, *, lock: bool = False) -> list[str]:
    """Usernames of enabled admin accounts; lock=True holds their rows until the transaction ends."""
    query = select(users.c.username).where(users.c.role == "admin", users.c.disabled.is_(False))
    if lock:
        query = query.with_for_update()
    with connect(bind) as conn:
        return list(conn.execute(query.order_by(users.c.username)).scalars())


def list_users(bind: Bind) -> pd.DataFrame:
    with connect(bind) as conn:
        rows = conn.execute(select(users.c.username, users.c.full_name, users.c.role, users.c.disabled,
                                   users.c.must_change_password, users.c.locked_until, users.c.created_at,
                                   users.c.created_by)
                            .order_by(users.c.username)).all()
    return pd.DataFrame(rows, columns=["username", "full_name", "role", "disabled", "must_change_password",
                                       "locked_until", "created_at", "created_by"])


def verify_password(bind: Bind, username: str, password: str) -> User | None:
    """The user when the password matches an enabled account; None otherwise (counters untouched)."""
    user = get_user(bind, username)
    with connect(bind) as conn:
        stored = None if user is None else conn.execute(
            select(users.c.password_hash).where(users.c.id == user.id)).scalar_one()
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if user is not None and not user.disabled else None


def set_fields(bind: Bind, username: str, **values) -> None:
    if "password" in values:
        values["password_hash"] = _hasher.hash(values.pop("password"))
    with begin(bind) as conn:
        if not conn.execute(update(users).where(users.c.username == username).values(**values)).rowcount:
            raise NotFound(f"no user {username!r}")


def count_failure(bind: Bind, username: str) -> int | None:
    """One more failed sign-in, counted by the database itself (two failures at once both count); returns the
    new count, None for an unknown username."""
    with begin(bind) as conn:
        return conn.execute(update(users).where(users.c.username == username)
                            .values(failed_attempts=users.c.failed_attempts + 1)
                            .returning(users.c.failed_attempts)).scalar()
