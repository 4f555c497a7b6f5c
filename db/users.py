"""Users and roles (issue 15): who may edit. Reading the dashboard needs no account.

Roles: `viewer` (reads, like anyone; never sees edit controls), `reviewer` (reviews rows),
`admin` (everything a reviewer does). Passwords are stored as werkzeug scrypt hashes, never as
text. `aidtracker user add NAME --role reviewer` creates one."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from db.models import User

U = User.__table__
ROLES = ("viewer", "reviewer", "admin")
EDITORS = ("reviewer", "admin")
MIN_PASSWORD = 8
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
# a hash to check against when the user does not exist, so both cases take the same time
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


class UserError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str
    role: str
    active: bool = True

    @property
    def can_edit(self) -> bool:
        return self.active and self.role in EDITORS


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def add_user(conn: Connection, name: str, role: str, password: str, *, replace: bool = False) -> Account:
    """A new user (or, with `replace`, a new role and password for an existing one)."""
    if not _NAME.match(name or ""):
        raise UserError("a user name is 1-80 letters, digits or . _ @ - (starting with a letter or digit)")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    existing = conn.execute(select(U.c.id).where(U.c.name == name)).scalar()
    if existing is not None:
        if not replace:
            raise UserError(f"user {name!r} exists (use --update to change role and password)")
        conn.execute(
            update(U).where(U.c.id == existing).values(role=role, password_hash=hash_password(password), active=True)
        )
        uid = existing
    else:
        uid = conn.execute(
            insert(U).values(
                name=name, role=role, password_hash=hash_password(password), active=True,
                created_at=dt.datetime.now(dt.UTC),
            )  # fmt: skip
        ).inserted_primary_key[0]
    return Account(uid, name, role)


def get_user(conn: Connection, user_id: int) -> Account | None:
    row = conn.execute(select(U.c.id, U.c.name, U.c.role, U.c.active).where(U.c.id == user_id)).first()
    return Account(*row) if row and row.active else None


def authenticate(conn: Connection, name: str, password: str) -> Account | None:
    """The active user with this name and password, else None."""
    row = conn.execute(
        select(U.c.id, U.c.name, U.c.role, U.c.active, U.c.password_hash).where(U.c.name == (name or "")[:80])
    ).first()
    if row is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(row.password_hash, password or "") or not row.active:
        return None
    return Account(row.id, row.name, row.role, row.active)


def list_users(conn: Connection) -> list[Account]:
    return [Account(*r) for r in conn.execute(select(U.c.id, U.c.name, U.c.role, U.c.active).order_by(U.c.name))]


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count(U.c.id))).scalar_one())
