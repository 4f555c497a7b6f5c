"""The `aidtracker` command: one thin place that parses arguments, calls the modules and prints."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from aidtracker import __version__
from aidtracker.settings import database_url, redact_url


class NotImplementedYet(click.ClickException):
    exit_code = 2


def _not_implemented(what: str) -> NotImplementedYet:
    return NotImplementedYet(f"{what} is not implemented yet")


def _db_error(exc: Exception) -> click.ClickException:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return click.ClickException(f"database {redact_url(database_url())} unavailable: {first}")


HELP = f"""Aid-to-Ukraine announcements from official releases: extract, load, explore.

\b
Database: {redact_url(database_url())}
(set DATABASE_URL to any SQLAlchemy URL to change it)
"""


@click.group(help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aidtracker")
def main() -> None:
    pass


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
def extract(paths: tuple[Path, ...], fmt: str) -> None:
    """Print the announcements found in release files or folders (no database)."""
    from aidtracker.cli_extract import run_extract

    sys.exit(run_extract(list(paths), fmt, sys.stdout, sys.stderr))


@main.command()
@click.argument("corpus_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--db", "use_db", is_flag=True, help="Score against the reviewed rows of the database instead.")
@click.option("--rules-only", is_flag=True, help="Score the rules alone, without the learned row filter.")
@click.option("--figures-only", is_flag=True,
              help="Figures without the lists of misses and false hits (for a held-out test part).")
def evaluate(corpus_dir: Path | None, as_json: bool, use_db: bool, rules_only: bool, figures_only: bool) -> None:
    """Compare extraction over CORPUS_DIR/releases with CORPUS_DIR/expected.json, or (--db) with
    the rows analysts confirmed or corrected in the database."""
    from etl.evaluate import run_evaluate

    if use_db == (corpus_dir is not None):
        raise click.UsageError("give CORPUS_DIR or --db")
    if use_db:
        from db.engine import default_engine
        from etl.evaluate.database import run_evaluate_db

        try:
            sys.exit(run_evaluate_db(default_engine(), as_json, sys.stdout))
        except Exception as exc:  # a database error: one clear line
            raise _db_error(exc) from exc
    try:
        sys.exit(run_evaluate(corpus_dir, as_json, sys.stdout, rules_only=rules_only,
                              figures_only=figures_only))
    except NotImplementedError as exc:
        raise _not_implemented("evaluate") from exc


@main.command()
@click.argument("sources", nargs=-1)
def refresh(sources: tuple[str, ...]) -> None:
    """Fetch the sources (files, folders, http(s) pages or feeds; default: the configured
    sources), extract and load into the database. Idempotent."""
    from etl.pipeline import run_refresh

    try:
        sys.exit(run_refresh(list(sources)))
    except NotImplementedError as exc:
        raise _not_implemented("refresh") from exc


@main.command()
@click.option("--every", "every", required=True, help="Interval, e.g. 30m, 6h, 1d.")
@click.argument("sources", nargs=-1)
def schedule(every: str, sources: tuple[str, ...]) -> None:
    """Run `refresh` every DURATION, one run at a time even across processes."""
    from etl.schedule import run_schedule

    try:
        sys.exit(run_schedule(every, list(sources)))
    except NotImplementedError as exc:
        raise _not_implemented("schedule") from exc


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Dash debug mode (never on a shared network).")
def serve(host: str, port: int, debug: bool) -> None:
    """Start the dashboard; an empty database is first loaded with the bundled sample releases."""
    from dashboard.app import run_server

    try:
        sys.exit(run_server(host=host, port=port, debug=debug))
    except NotImplementedError as exc:
        raise _not_implemented("serve") from exc


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command()
def upgrade() -> None:
    """Bring the database schema to the newest migration."""
    from db.engine import current_revision, default_engine, head_revision
    from db.engine import upgrade as do_upgrade

    click.echo(f"database: {redact_url(database_url())}")
    try:
        before = current_revision()
        do_upgrade(default_engine())
    except Exception as exc:  # any driver error becomes one clear line, not a traceback
        raise _db_error(exc) from exc
    head = head_revision()
    if before == head:
        click.echo(f"schema already at {head}")
    else:
        click.echo(f"schema upgraded from {before or 'empty'} to {head}")


@db.command()
def current() -> None:
    """Print the schema revision of the database."""
    from db.engine import current_revision

    try:
        click.echo(current_revision() or "empty")
    except Exception as exc:
        raise _db_error(exc) from exc


@main.command()
@click.argument("corpus_dirs", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Model file to write (default: the package's etl/extract/model/rows.json).")
@click.option("--check", is_flag=True, help="Retrain and fail (exit 1) when the model file differs.")
def train(corpus_dirs: tuple[Path, ...], output: Path | None, check: bool) -> None:
    """Rebuild the learned row filter from development corpora (needs scikit-learn)."""
    from etl.evaluate.train import run_train
    from etl.extract.learned import MODEL_PATH

    sys.exit(run_train(list(corpus_dirs), output or MODEL_PATH, check))


def _register_issue15() -> None:
    from aidtracker.user_cli import export, user

    main.add_command(user)
    main.add_command(export)


_register_issue15()

if __name__ == "__main__":  # pragma: no cover
    main()
