"""Every query the dashboard runs (issue 5): SQLAlchemy Core, parameterised, aggregations in SQL.

The filter state is a `Filters` value, parsed from and serialised to the URL query string.
Aggregates read the rollups of `db.rollups` when the filters allow it (and the rollups are fresh)
and the indexed base table otherwise; both paths give the same numbers (tests check it).

Counting: by default each pledge counts once, attributed to its *first mention* (earliest date,
then lowest id, among current releases); with `mentions=True` every mention counts. Filters
apply to the rows counted, so in pledge mode they select first mentions, and the table and the
CSV list one row per pledge.
"""

from __future__ import annotations

from db.queries.aggregates import (  # noqa: F401
    _run_aggregate,
    aggregate,
    aggregate_stmt,
    all_donors,
    last_run,
    month_split,
    options,
    release_count,
)
from db.queries.export import EXPORT_FIELDS, export_stmt, iter_export  # noqa: F401
from db.queries.filters import (  # noqa: F401
    _CODE,
    _LANG,
    _MONTH,
    DENSE_SHARE,
    DIMENSIONS,
    MAX_LIST,
    MAX_QUERY_STRING,
    MAX_TEXT,
    D,
    E,
    Filters,
    _aligned,
    _like_pattern,
    _rollup_conditions,
    _tuple,
    base_conditions,
    conf_level,
    data_version,
    first_mention_ids,
    plan,
    release_exists,
    rollups_fresh,
)
from db.queries.table import (  # noqa: F401
    DONOR,
    NUMBER_COLUMNS,
    RECIPIENT,
    TABLE_COLUMNS,
    TEXT_COLUMNS,
    _grid_filter_conditions,
    _one_grid_filter,
    _rows_from,
    table_page,
)
from db.rollups import RS  # noqa: F401  (db.review reads it from here)
