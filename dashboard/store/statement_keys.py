"""PostgreSQL: the readings' two references checked once per statement by triggers, not once per row.

A foreign key runs one lookup per inserted row; for a 1,000,000-row import that is most of the COPY's
time. These triggers check the whole statement's new rows with one join each, lock the sessions they
name as a foreign key would (FOR KEY SHARE), and guard the referenced side, so the same rows are refused
for the same reasons. SQLite keeps its ordinary foreign keys, which cost little there.
"""

from __future__ import annotations

# (table, column) pairs that schema.py declares as foreign keys and PostgreSQL enforces with the triggers.
TRIGGER_CHECKED_KEYS = frozenset({("readings", "session_id"), ("readings", "supersedes_id")})

FOREIGN_KEYS = {  # name: (column, referenced table)
    "fk_readings_session_id_sessions": ("session_id", "sessions"),
    "fk_readings_supersedes_id_readings": ("supersedes_id", "readings"),
}

_CREATE = (
    """
    CREATE FUNCTION readings_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        missing bigint;
        wanted integer;
        locked integer;
    BEGIN
        SELECT count(DISTINCT session_id) INTO wanted FROM new_readings;
        -- Lock first, then count: a session deleted meanwhile is not returned, so it counts as missing.
        SELECT count(*) INTO locked FROM (
            SELECT 1 FROM sessions WHERE id IN (SELECT DISTINCT session_id FROM new_readings) FOR KEY SHARE
        ) AS held;
        IF locked < wanted THEN
            SELECT n.session_id INTO missing FROM (SELECT DISTINCT session_id FROM new_readings) AS n
                WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = n.session_id) LIMIT 1;
            RAISE EXCEPTION 'insert or update on table "readings" violates foreign key constraint '
                '"fk_readings_session_id_sessions"' USING ERRCODE = 'foreign_key_violation',
                DETAIL = format('Key (session_id)=(%s) is not present in table "sessions".', missing);
        END IF;
        SELECT n.supersedes_id INTO missing FROM new_readings AS n
            WHERE n.supersedes_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM readings r WHERE r.id = n.supersedes_id) LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'insert or update on table "readings" violates foreign key constraint '
                '"fk_readings_supersedes_id_readings"' USING ERRCODE = 'foreign_key_violation',
                DETAIL = format('Key (supersedes_id)=(%s) is not present in table "readings".', missing);
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER readings_references_exist AFTER INSERT ON readings REFERENCING NEW TABLE AS new_readings "
    "FOR EACH STATEMENT EXECUTE FUNCTION readings_references_exist()",
    """
    CREATE FUNCTION sessions_keep_their_readings() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            IF EXISTS (SELECT 1 FROM readings) THEN
                RAISE EXCEPTION 'cannot truncate sessions: readings refer to them'
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NULL;
        END IF;
        IF (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id)
                AND EXISTS (SELECT 1 FROM readings WHERE session_id = OLD.id) THEN
            RAISE EXCEPTION 'update or delete on table "sessions" violates foreign key constraint '
                '"fk_readings_session_id_sessions" on table "readings"' USING ERRCODE = 'foreign_key_violation',
                DETAIL = format('Key (id)=(%s) is still referenced from table "readings".', OLD.id);
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER sessions_keep_their_readings BEFORE DELETE OR UPDATE OF id ON sessions "
    "FOR EACH ROW EXECUTE FUNCTION sessions_keep_their_readings()",
    "CREATE TRIGGER sessions_keep_their_readings_truncate BEFORE TRUNCATE ON sessions "
    "FOR EACH STATEMENT EXECUTE FUNCTION sessions_keep_their_readings()",
)

_DROP = (
    "DROP TRIGGER IF EXISTS readings_references_exist ON readings",
    "DROP FUNCTION IF EXISTS readings_references_exist()",
    "DROP TRIGGER IF EXISTS sessions_keep_their_readings ON sessions",
    "DROP TRIGGER IF EXISTS sessions_keep_their_readings_truncate ON sessions",
    "DROP FUNCTION IF EXISTS sessions_keep_their_readings()",
)


def install(op) -> None:
    """Replace the two foreign keys with the triggers (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in FOREIGN_KEYS:
        op.drop_constraint(name, "readings", type_="foreignkey")
    for statement in _CREATE:
        op.execute(statement)


def remove(op) -> None:
    """Back to the two foreign keys (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _DROP:
        op.execute(statement)
    for name, (column, target) in FOREIGN_KEYS.items():
        op.create_foreign_key(name, "readings", target, [column], ["id"])


def comparison_filter(dialect: str):
    """Alembic's include_object for a database of this dialect: on PostgreSQL the two keys live in the
    triggers, so the comparison neither asks for them nor reports their absence."""
    def include(obj, name, type_, reflected, compare_to) -> bool:
        if dialect != "postgresql" or type_ != "foreign_key_constraint" or reflected:
            return True
        return not (len(obj.column_keys) == 1 and (obj.parent.name, obj.column_keys[0]) in TRIGGER_CHECKED_KEYS)
    return include
