"""The Dash app (issue 5): `create_app(engine)`, the WSGI `server` for gunicorn, `run_server`.

`gunicorn "dashboard.app:server" --workers 4` imports this module in each worker; `server` is
built on first access from DATABASE_URL, cheaply (no query runs until a page is requested).
Run `aidtracker db upgrade` once before starting gunicorn.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

from dash import Dash
from flask_caching import Cache
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from dashboard import callbacks, export
from dashboard.data import Data
from dashboard.layout import build_layout

CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 5000}
DATA_UNAVAILABLE = (
    "Data unavailable: the database cannot be reached right now. Nothing is lost; "
    "change a filter or reload the page to try again."
)


def _on_callback_error(err: Exception):
    """A callback that lost the database: the outputs stay as they were and the notice says why
    (instead of an HTTP 500 the page would silently swallow). Other errors are raised as before."""
    from sqlalchemy.exc import SQLAlchemyError

    if not isinstance(err, SQLAlchemyError):
        raise err
    import logging

    from dash import set_props

    logging.getLogger("aidtracker.dashboard").warning("data unavailable: %s", _first_line(err))
    set_props("notice", {"children": DATA_UNAVAILABLE})
    return None


def assets_folder() -> str:
    """The styles: the installed `dashboard.assets` package, or `assets/` of a source checkout."""
    try:
        spec = importlib.util.find_spec("dashboard.assets")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            if (Path(loc) / "style.css").exists():
                return str(loc)
    here = Path(__file__).resolve().parent
    for candidate in (here / "assets", here.parent / "assets"):
        if (candidate / "style.css").exists():
            return str(candidate)
    return str(here.parent / "assets")


class AidDash(Dash):
    """Dash with a smaller plotly.js: `assets/plotly-aidtracker.min.js` (bar, scatter, choropleth and
    treemap only; 0.5 MB instead of 1.4 MB gzipped) defines `window.Plotly`, which dcc.Graph uses,
    so the full plotly.min.js that Dash would load on every first page is left out."""

    def _setup_plotlyjs(self) -> None:
        self._plotlyjs_url = self.get_asset_url(PLOTLY_BUNDLE)


PLOTLY_BUNDLE = "plotly-aidtracker.min.js"


def create_app(engine: Engine | None = None) -> Dash:
    """A Dash app over `engine` (default: DATABASE_URL). Touches no database until requested."""
    if engine is None:
        from db.engine import default_engine

        engine = default_engine()
    app = AidDash(
        __name__,
        assets_folder=assets_folder(),
        compress=True,
        title="aidtracker",
        update_title=None,
        serve_locally=True,
        on_error=_on_callback_error,
    )
    cache = Cache(app.server, config=CACHE_CONFIG)
    data = Data(engine, cache)
    topojson_url = app.get_asset_url("topojson/")
    app.layout = lambda: build_layout(data, topojson_url)
    callbacks.register(app, data)
    export.register(app.server, data)
    app.server.config["AIDTRACKER_DATA"] = data
    # issue 15: logins (editing only; reading stays open) and the review view at /review/
    from dashboard.auth import init_auth
    from dashboard.review import create_review_app

    init_auth(app.server, engine)
    app.server.config["AIDTRACKER_REVIEW_APP"] = create_review_app(app.server, data, assets_folder())

    @app.server.errorhandler(SQLAlchemyError)
    def data_unavailable(exc):  # noqa: ANN001, ANN202  (CSV downloads and any other route)
        return (
            DATA_UNAVAILABLE + "\n",
            503,
            {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "30"},
        )

    @app.server.after_request
    def security_headers(response):  # noqa: ANN001, ANN202
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app


_app: Dash | None = None
_app_lock = threading.Lock()


def get_app() -> Dash:
    global _app
    with _app_lock:
        if _app is None:
            _app = create_app()
        return _app


def __getattr__(name: str):
    """`server` is created on first access (PEP 562), so importing this module stays cheap."""
    if name == "server":
        return get_app().server
    raise AttributeError(name)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def prepare_database(engine: Engine, out=sys.stderr) -> bool:
    """Upgrade the schema and, on an empty database, load the bundled samples. False (with one
    line on `out`) when the database cannot be reached."""
    from aidtracker.settings import redact_url
    from db.engine import upgrade
    from db.models import Announcement

    url = redact_url(engine.url.render_as_string(hide_password=False))
    try:
        upgrade(engine)
        with engine.connect() as conn:
            n = conn.execute(select(func.count(Announcement.id))).scalar_one()
    except Exception as exc:  # any driver error: one clear line, no traceback
        print(f"aidtracker serve: database {url} unavailable: {_first_line(exc)}", file=out)
        return False
    if n == 0:
        try:
            from etl.pipeline import load_samples
        except ImportError:
            print("aidtracker serve: the database is empty and no sample loader is available", file=out)
            return True
        try:
            load_samples(engine)
        except NotImplementedError:
            print("aidtracker serve: the database is empty and the sample loader is not ready", file=out)
        except Exception as exc:
            print(f"aidtracker serve: loading the bundled samples failed: {_first_line(exc)}", file=out)
    return True


def run_server(host: str = "127.0.0.1", port: int = 8050, debug: bool = False) -> int:
    from db.engine import default_engine

    engine = default_engine()
    if not prepare_database(engine):
        return 1
    app = create_app(engine)
    app.run(host=host, port=port, debug=debug)
    return 0
