"""Alembic environment: runs on the engine handed over by `db.engine.upgrade`."""

from alembic import context
from sqlalchemy import text

from db.engine import make_engine
from db.models import Base

config = context.config
MIGRATION_LOCK_KEY = 0x41494454  # "AIDT": taken by every schema upgrade on PostgreSQL
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # `serve` and `refresh` both upgrade at start: the second waits here, then finds the
            # schema at head and does nothing (the lock ends with this transaction).
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `aidtracker db upgrade`")
run_migrations_online()
