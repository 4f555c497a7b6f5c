"""Commands of issue 15: `aidtracker user add NAME --role reviewer`, `aidtracker user list`,
`aidtracker export --format csv|parquet|jsonl`."""

from __future__ import annotations

import sys
from pathlib import Path

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


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "jsonl"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
@click.option("--filter", "query", help='The dashboard\'s filters as a query string, e.g. "donor=USA&from=2023-01-01".')
@click.option("--include-rejected", is_flag=True, help="Also the rows an analyst rejected.")
def export(fmt: str, output: Path | None, query: str | None, include_rejected: bool) -> None:
    """Write the database's announcements, with status and review state, as CSV, Parquet or JSON Lines."""
    from aidtracker.export import run_export
    from db.engine import default_engine

    try:
        n = run_export(default_engine(), fmt, output, query, include_rejected, sys.stdout)
    except (ValueError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    if output is not None:
        click.echo(f"{n} rows written to {output}", err=True)
