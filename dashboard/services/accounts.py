"""Accounts: sign-in with slowing and lock-out, the first admin, and admin management of users."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from dashboard.core.clock import utcnow
from dashboard.core.roles import ROLES, SYSTEM_ACTOR, Actor, PermissionDenied
from dashboard.store import audit
from dashboard.store import users as store_users
from dashboard.store.db import begin
from dashboard.store.errors import Conflict, NotFound, StoreError

LOCK_AFTER = 5  # failed attempts in a row
LOCK_BASE = timedelta(seconds=30)
LOCK_MAX = timedelta(minutes=15)


class SignInFailed(StoreError):
    pass


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    full_name: str
    must_change_password: bool


def failure_delay_s() -> float:
    """Pause after a failed sign-in, to slow password guessing (SIGNIN_FAILURE_DELAY_S)."""
    return float(os.environ.get("SIGNIN_FAILURE_DELAY_S", "1.0"))


def _public(user: store_users.User | None) -> dict | None:
    if user is None:
        return None
    return {"username": user.username, "full_name": user.full_name, "role": user.role,
            "disabled": user.disabled, "must_change_password": user.must_change_password}


def sign_in(engine: Engine, username: str, password: str) -> SignedIn:
    username = (username or "").strip()[:80]
    now = utcnow()
    user = store_users.get_user(engine, username)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds()) + 1
        with begin(engine) as conn:
            audit.record(conn, Actor(username, "-"), "sign_in.refused_locked", "user", username)
        raise SignInFailed(f"Too many failed sign-ins: try again in {wait} s.")
    matched = store_users.verify_password(engine, username, password or "")
    if matched is None:
        with begin(engine) as conn:
            if user is not None:
                attempts = user.failed_attempts + 1
                fields = {"failed_attempts": attempts}
                if attempts >= LOCK_AFTER:
                    fields["locked_until"] = now + min(LOCK_BASE * 2 ** (attempts - LOCK_AFTER), LOCK_MAX)
                store_users.set_fields(conn, username, **fields)
            audit.record(conn, Actor(username or "(blank)", "-"), "sign_in.failed", "user", username or None)
        time.sleep(failure_delay_s())
        raise SignInFailed("Wrong username or password, or the account is disabled.")
    with begin(engine) as conn:
        store_users.set_fields(conn, username, failed_attempts=0, locked_until=None)
        audit.record(conn, Actor(matched.username, matched.role), "sign_in", "user", matched.username)
    return SignedIn(Actor(matched.username, matched.role), matched.full_name, matched.must_change_password)


def sign_in_external(engine: Engine, email: str) -> SignedIn:
    """An identity already proven by the clinic's OpenID Connect provider: the account named by the email."""
    email = (email or "").strip()
    user = store_users.get_user(engine, email)
    if user is None or user.disabled:
        with begin(engine) as conn:  # the refusal is logged, then raised outside the transaction
            audit.record(conn, Actor(email or "(no email)", "-"), "sign_in.failed", "user", email or None,
                         after={"method": "oidc"})
        raise SignInFailed(f"{email or 'This account'} has no enabled Infusion Vitals account: ask an admin.")
    with begin(engine) as conn:
        audit.record(conn, Actor(user.username, user.role), "sign_in", "user", user.username, after={"method": "oidc"})
    return SignedIn(Actor(user.username, user.role), user.full_name, False)


def needs_first_admin(engine: Engine) -> bool:
    return store_users.count_users(engine) == 0


def create_first_admin(engine: Engine, username: str, full_name: str, password: str) -> None:
    """Only while no account exists at all: the one-time set-up of a fresh install."""
    with begin(engine) as conn:
        if store_users.count_users(conn):
            raise Conflict("set-up is already done: sign in, or ask an admin for an account")
        store_users.create_user(conn, username, full_name, "admin", password, by="set-up")
        audit.record(conn, SYSTEM_ACTOR, "user.create", "user", username.strip(),
                     after=_public(store_users.get_user(conn, username.strip())))


class Accounts:
    """Admin work on accounts, by a signed-in actor (or the command line as the system actor)."""

    def __init__(self, engine: Engine, actor: Actor):
        self.engine, self.actor = engine, actor

    def list(self):
        self.actor.require("users.manage")
        return store_users.list_users(self.engine)

    def add(self, username: str, full_name: str, role: str, password: str, *, must_change: bool = True) -> None:
        self.actor.require("users.manage")
        with begin(self.engine) as conn:
            store_users.create_user(conn, username, full_name, role, password, by=self.actor.username,
                                    must_change_password=must_change)
            audit.record(conn, self.actor, "user.create", "user", username.strip(),
                         after=_public(store_users.get_user(conn, username.strip())))

    def _change(self, username: str, action: str, **fields) -> None:
        self.actor.require("users.manage")
        with begin(self.engine) as conn:
            before = _public(store_users.get_user(conn, username))
            if before is None:
                raise Conflict(f"no user {username!r}")
            store_users.set_fields(conn, username, **fields)
            audit.record(conn, self.actor, action, "user", username, before=before,
                         after=_public(store_users.get_user(conn, username)))

    def disable(self, username: str) -> None:
        if username == self.actor.username:
            raise Conflict("you cannot disable your own account")
        self._change(username, "user.disable", disabled=True)

    def enable(self, username: str) -> None:
        self._change(username, "user.enable", disabled=False, failed_attempts=0, locked_until=None)

    def set_role(self, username: str, role: str) -> None:
        if role not in ROLES:
            raise Conflict(f"role must be one of {', '.join(ROLES)}")
        self._change(username, "user.role", role=role)

    def reset_password(self, username: str, temporary_password: str) -> None:
        if problem := store_users.check_password_rules(temporary_password, username):
            raise Conflict(problem)
        self._change(username, "user.reset_password", password=temporary_password, must_change_password=True,
                     failed_attempts=0, locked_until=None)


def change_own_password(engine: Engine, actor: Actor, current: str, new: str) -> None:
    if store_users.verify_password(engine, actor.username, current) is None:
        raise Conflict("the current password is wrong")
    if problem := store_users.check_password_rules(new, actor.username):
        raise Conflict(problem)
    if new == current:
        raise Conflict("choose a password different from the current one")
    with begin(engine) as conn:
        store_users.set_fields(conn, actor.username, password=new, must_change_password=False)
        audit.record(conn, actor, "user.change_password", "user", actor.username)


def acting_as(engine: Engine, username: str) -> Actor:
    """The actor of an existing, enabled account, for work started on the server (the command line's --as)."""
    user = store_users.get_user(engine, (username or "").strip())
    if user is None:
        raise NotFound(f"no user {username!r}")
    if user.disabled:
        raise PermissionDenied(f"the account {username!r} is disabled")
    return Actor(user.username, user.role)
