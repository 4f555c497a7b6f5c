"""Pre-aggregated tables the dashboard reads (owned by the dashboard work, issue 5).

`refresh_rollups(conn)` is called by the ETL at the end of every refresh, inside a transaction,
so the rollups always match the announcements."""

from __future__ import annotations

from sqlalchemy import Connection


def refresh_rollups(conn: Connection) -> None:
    """Rebuild the rollups from `announcements` (no-op until the dashboard defines them)."""
    return None
