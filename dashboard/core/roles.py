"""Roles and what each may do: the one table every read and write is checked against."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("nurse", "supervisor", "trainer", "trainee", "admin")
SYSTEM = "system"  # the command line and sample loader, run by whoever has the server's shell

# action -> roles allowed. Supervisors can do what nurses do; admins manage accounts, not patients.
PERMISSIONS: dict[str, frozenset[str]] = {
    "session.read": frozenset({"nurse", "supervisor"}),
    "session.create": frozenset({"nurse", "supervisor"}),
    "session.infusion": frozenset({"nurse", "supervisor"}),
    "reading.write": frozenset({"nurse", "supervisor"}),
    "reading.correct": frozenset({"nurse", "supervisor"}),
    "event.write": frozenset({"nurse", "supervisor"}),
    "alert.acknowledge": frozenset({"nurse", "supervisor"}),
    "protocol.read": frozenset({"nurse", "supervisor"}),
    "protocol.edit": frozenset({"supervisor"}),
    "session.sign_off": frozenset({"supervisor"}),
    "audit.read": frozenset({"supervisor", "admin"}),
    "scenario.run": frozenset({"trainer", "supervisor"}),  # replay freely, switch protocol, see the choices
    # Trainees only run scenarios in trainee mode and see their own results; never a live session.
    "scenario.train": frozenset({"trainee", "trainer", "supervisor"}),
    "scenario.results": frozenset({"trainer", "supervisor"}),  # every trainee's results, the class summary
    "scenario.edit": frozenset({"trainer", "supervisor"}),  # import a file as a scenario, save a new version
    # Turn a finished (discharged or signed) session into a de-identified scenario: the session is chosen by its
    # code and date only; what the trainer then sees is the scenario, never the session's record.
    "scenario.from_session": frozenset({"trainer", "supervisor"}),
    "users.manage": frozenset({"admin"}),
    "chair.read": frozenset({"nurse", "supervisor", "admin"}),
    "chair.manage": frozenset({"supervisor", "admin"}),
}


class PermissionDenied(Exception):
    """The signed-in user's role may not do this; str() says so plainly."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the system itself for command-line work."""

    username: str
    role: str

    def can(self, action: str) -> bool:
        if action not in PERMISSIONS:
            raise KeyError(f"unknown action {action!r}")
        return self.role == SYSTEM or self.role in PERMISSIONS[action]

    def require(self, action: str) -> None:
        if not self.can(action):
            raise PermissionDenied(f"a {self.role} may not {action.replace('.', ': ').replace('_', ' ')}")


SYSTEM_ACTOR = Actor("system", SYSTEM)
