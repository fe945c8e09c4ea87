"""Audit entries in words: a plain name for each action and a short "what changed" from before/after JSON."""

from __future__ import annotations

import json

ACTIONS = {
    "sign_in": "signed in",
    "sign_in.failed": "sign-in refused",
    "sign_in.refused_locked": "sign-in refused (locked)",
    "setup.refused": "set-up refused (wrong code)",
    "user.create": "account added",
    "user.role": "role changed",
    "user.disable": "account disabled",
    "user.enable": "account enabled",
    "user.reset_password": "password reset",
    "user.change_password": "own password changed",
    "patient.create": "patient registered",
    "session.create": "session opened",
    "session.load_sample": "sample session loaded",
    "reading.add": "reading added",
    "reading.correct": "reading corrected",
    "reading.entered_in_error": "reading marked as entered in error",
    "event.add": "event recorded",
    "alert.raise": "alert raised",
    "alert.withdraw": "alerts withdrawn",
    "alert.acknowledge": "alert acknowledged",
    "protocol.version": "protocol version saved",
    "protocol.assign": "protocol assigned",
    "import.commit": "file imported",
    "session.sign_off": "session signed",
    "sign_off.refused_password": "signature refused (wrong password)",
    "sign_off.refused_locked": "signature refused (locked)",
}
MAX_FIELDS = 4
MAX_VALUE = 40
NOT_SHOWN = {"id", "password_hash"}  # row ids say nothing to a reader; hashes are never shown


def action_text(action: str) -> str:
    return ACTIONS.get(action, action.replace("_", " ").replace(".", ": "))


def load_state(text) -> object:
    """A stored before/after: the JSON value, the text itself when it is not JSON, or None."""
    if text is None or (isinstance(text, float) and text != text):
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return str(text)


def _value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def _name(key: str) -> str:
    return key.replace("_", " ")


def _fields(parts: list[str]) -> str:
    shown = "; ".join(parts[:MAX_FIELDS])
    return shown + (f"; +{len(parts) - MAX_FIELDS} more" if len(parts) > MAX_FIELDS else "")


def change_summary(before_text, after_text) -> str:
    """'role: nurse → supervisor', or the main fields of what was created; at most a few fields."""
    before, after = load_state(before_text), load_state(after_text)
    if before is None and after is None:
        return ""
    if not isinstance(before, dict) or not isinstance(after, dict):
        if before is None:
            return _fields([f"{_name(k)}: {_value(v)}" for k, v in after.items()
                            if k not in NOT_SHOWN and v is not None]) if isinstance(after, dict) else _value(after)
        if after is None:
            return "was: " + (_fields([f"{_name(k)}: {_value(v)}" for k, v in before.items() if k not in NOT_SHOWN])
                              if isinstance(before, dict) else _value(before))
        return f"{_value(before)} → {_value(after)}"
    changed = [f"{_name(k)}: {_value(before.get(k))} → {_value(after.get(k))}"
               for k in [*after, *(k for k in before if k not in after)]
               if k not in NOT_SHOWN and before.get(k) != after.get(k)]
    return _fields(changed) or "no field changed"
