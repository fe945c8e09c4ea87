"""Accounts: sign-in with slowing and lock-out, the first admin, and admin management of users."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from dashboard import oplog
from dashboard.core.clock import utcnow
from dashboard.core.roles import ROLES, SYSTEM_ACTOR, Actor, PermissionDenied
from dashboard.store import audit
from dashboard.store import users as store_users
from dashboard.store.db import begin, hold
from dashboard.store.errors import Conflict, NotFound, StoreError

LOCK_AFTER = 5  # failed attempts in a row
LOCK_BASE = timedelta(seconds=30)
LOCK_MAX = timedelta(minutes=15)
# The `run` command hands its set-up code to the app process it starts, so both show the same one.
SETUP_CODE_ENV = "IV_SETUP_CODE"
SETUP_ACTOR = Actor("(set-up)", "-")

log = logging.getLogger(__name__)
_setup_lock = threading.Lock()
_setup: dict[str, object] = {"code": None, "announced": False}


class SignInFailed(StoreError):
    pass


class PasswordRefused(SignInFailed):
    """The password typed again to sign was wrong, or the account is locked out: nothing was signed."""


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
        oplog.event("sign_in_refused", user=username, reason="locked", seconds_left=wait)
        raise SignInFailed(f"Too many failed sign-ins: try again in {wait} s.")
    matched = store_users.verify_password(engine, username, password or "")
    if matched is None:
        with begin(engine) as conn:
            attempts = _count_failure(conn, user, now) if user is not None else None
            audit.record(conn, Actor(username or "(blank)", "-"), "sign_in.failed", "user", username or None)
        oplog.event("sign_in_failed", user=username, known_user=user is not None, failed_attempts=attempts,
                    locked=attempts is not None and attempts >= LOCK_AFTER)
        time.sleep(failure_delay_s())
        raise SignInFailed("Wrong username or password, or the account is disabled.")
    with begin(engine) as conn:
        store_users.set_fields(conn, username, failed_attempts=0, locked_until=None)
        audit.record(conn, Actor(matched.username, matched.role), "sign_in", "user", matched.username)
    oplog.event("sign_in", user=matched.username, role=matched.role, method="password")
    return SignedIn(Actor(matched.username, matched.role), matched.full_name, matched.must_change_password)


def _count_failure(conn, user: store_users.User, now) -> int:
    """One more failed password in a row, counted by the database itself (two failures at once both count);
    the fifth and later lock the account for a doubling while. Returns the new count."""
    attempts = store_users.count_failure(conn, user.username) or 0
    if attempts >= LOCK_AFTER:
        store_users.set_fields(conn, user.username,
                               locked_until=now + min(LOCK_BASE * 2 ** (attempts - LOCK_AFTER), LOCK_MAX))
    return attempts


def reenter_password(engine: Engine, actor: Actor, password: str, *, session_id: int) -> store_users.User:
    """The signed-in user's password typed again to sign a session: their account as it stands now.

    A wrong password is refused (PasswordRefused), logged, slowed and counted toward the lock-out exactly as
    a failed sign-in; a locked account cannot sign until the lock ends; a right one clears the count."""
    now = utcnow()
    user = store_users.get_user(engine, actor.username)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds()) + 1
        with begin(engine) as conn:
            audit.record(conn, actor, "sign_off.refused_locked", "session", session_id, session_id=session_id)
        raise PasswordRefused(f"Too many wrong passwords: try again in {wait} s. Nothing was signed.")
    matched = store_users.verify_password(engine, actor.username, password or "")
    if matched is None:
        with begin(engine) as conn:
            if user is not None:
                _count_failure(conn, user, now)
            audit.record(conn, actor, "sign_off.refused_password", "session", session_id, session_id=session_id)
        time.sleep(failure_delay_s())
        raise PasswordRefused("The password is not right. Nothing was signed.")
    if matched.failed_attempts or matched.locked_until is not None:
        store_users.set_fields(engine, matched.username, failed_attempts=0, locked_until=None)
    return matched


def sign_in_external(engine: Engine, email: str) -> SignedIn:
    """An identity already proven by the clinic's OpenID Connect provider: the account named by the email."""
    email = (email or "").strip()
    user = store_users.get_user(engine, email)
    if user is None or user.disabled:
        with begin(engine) as conn:  # the refusal is logged, then raised outside the transaction
            audit.record(conn, Actor(email or "(no email)", "-"), "sign_in.failed", "user", email or None,
                         after={"method": "oidc"})
        oplog.event("sign_in_failed", user=email, known_user=user is not None, method="oidc")
        raise SignInFailed(f"{email or 'This account'} has no enabled Infusion Vitals account: ask an admin.")
    with begin(engine) as conn:
        audit.record(conn, Actor(user.username, user.role), "sign_in", "user", user.username, after={"method": "oidc"})
    oplog.event("sign_in", user=user.username, role=user.role, method="oidc")
    return SignedIn(Actor(user.username, user.role), user.full_name, False)


def needs_first_admin(engine: Engine) -> bool:
    return store_users.count_users(engine) == 0


def setup_code() -> str:
    """This process's one-time code to claim a fresh install (the one the `run` command printed, if any)."""
    with _setup_lock:
        if _setup["code"] is None:
            _setup["code"] = os.environ.get(SETUP_CODE_ENV) or secrets.token_hex(4)
        return _setup["code"]


def announce_setup_code(engine: Engine) -> bool:
    """While no account exists, print the set-up code on the server console (and log it), once per process.

    A process started by the `run` command inherits the code that command already printed, and stays quiet.
    """
    if not needs_first_admin(engine):
        return False
    with _setup_lock:
        if _setup["announced"]:
            return True
        _setup["announced"] = True
    if not os.environ.get(SETUP_CODE_ENV):
        code = setup_code()
        print(f"Infusion Vitals first-time set-up code: {code}\n  No account exists yet: enter this code in the "
              "app to create the first admin, or run: python -m dashboard users add NAME --role admin",
              file=sys.stderr, flush=True)
        log.info("first-time set-up code issued: %s", code)
    return True


def create_first_admin(engine: Engine, code: str, username: str, full_name: str, password: str) -> None:
    """Only while no account exists at all, and only with this server's set-up code: a fresh install's set-up."""
    if not needs_first_admin(engine):
        raise Conflict("set-up is already done: sign in, or ask an admin for an account")
    if not secrets.compare_digest((code or "").strip().encode(), setup_code().encode()):
        with begin(engine) as conn:
            audit.record(conn, SETUP_ACTOR, "setup.refused", "user", (username or "").strip()[:80] or None)
        time.sleep(failure_delay_s())
        raise SignInFailed("The set-up code is not right: it is printed in the console where the server "
                           "was started.")
    with begin(engine) as conn:
        hold(conn, "first admin")  # two set-ups at once: only the first creates an admin
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

    def _change(self, username: str, action: str, *, keeps_admin: bool = True, **fields) -> None:
        self.actor.require("users.manage")
        with begin(self.engine) as conn:
            before = _public(store_users.get_user(conn, username))
            if before is None:
                raise Conflict(f"no user {username!r}")
            if not keeps_admin and before["role"] == "admin" and not before["disabled"]:
                # Rows locked until commit (PostgreSQL), so two admins demoting each other cannot both pass.
                if not [name for name in store_users.active_admins(conn, lock=True) if name != username]:
                    raise Conflict(f"{username} is the last active admin: make another account an admin first, "
                                   "or no one could manage accounts")
            store_users.set_fields(conn, username, **fields)
            audit.record(conn, self.actor, action, "user", username, before=before,
                         after=_public(store_users.get_user(conn, username)))

    def disable(self, username: str) -> None:
        self.actor.require("users.manage")  # the role first: a refusal says what the role may not do
        if username == self.actor.username:
            raise Conflict("you cannot disable your own account: ask another admin")
        self._change(username, "user.disable", keeps_admin=False, disabled=True)

    def enable(self, username: str) -> None:
        self._change(username, "user.enable", disabled=False, failed_attempts=0, locked_until=None)

    def set_role(self, username: str, role: str) -> None:
        if role not in ROLES:
            raise Conflict(f"role must be one of {', '.join(ROLES)}")
        self.actor.require("users.manage")
        if username == self.actor.username:
            raise Conflict("you cannot change your own role: ask another admin")
        self._change(username, "user.role", keeps_admin=role == "admin", role=role)

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
