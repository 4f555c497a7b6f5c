"""`aidtracker user add NAME --role reviewer`, `aidtracker user list` (issue 15)."""

from __future__ import annotations

import sys

import click

from db.users import ROLES, UserError


def _engine():
    from db.engine import default_engine, upgrade

    engine = default_engine()
    upgrade(engine)  # the users table comes with migration 0006
    return engine


@click.group()
def user() -> None:
    """Dashboard users: who may edit (reading needs no account)."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="reviewer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--update", is_flag=True, help="Change the role and password of an existing user.")
def add(name: str, role: str, password_stdin: bool, update: bool) -> None:
    """Create user NAME with a role (viewer, reviewer, admin); asks for the password."""
    from db.users import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        engine = _engine()
        with engine.begin() as conn:
            account = add_user(conn, name, role, password, replace=update)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {account.name} ({account.role}) {'updated' if update else 'added'}")


@user.command("list")
def list_() -> None:
    """The users and their roles."""
    from db.users import list_users

    with _engine().connect() as conn:
        for a in list_users(conn):
            click.echo(f"{a.name}\t{a.role}\t{'active' if a.active else 'inactive'}")
