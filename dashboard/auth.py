"""Login, sessions and CSRF for the dashboard (issue 15). Reading stays open; editing needs a
login as `reviewer` or `admin` (db.users).

- Sessions: Flask-Login over Flask's signed session cookie (HttpOnly, SameSite=Lax, "strong"
  session protection). The signing key is `AIDTRACKER_SECRET_KEY` when set, else one made once
  and kept in the database (`app_secrets`), so every worker and every restart shares it.
- CSRF: a synchronizer token per session (`csrf_token()`), required on every write: the login and
  logout forms carry it as a field, the review endpoints as the `X-CSRFToken` header
  (`require_editor`). Without a valid token a write is refused (400) before anything happens.
- Roles: a write by anyone who is not a logged-in reviewer or admin is refused with 403.
"""

from __future__ import annotations

import functools
import hmac
import os
import secrets
from collections.abc import Callable

from flask import Flask, abort, redirect, render_template_string, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from db.models import AppSecret
from db.users import Account, authenticate, get_user

CSRF_KEY = "_csrf"
CSRF_HEADER = "X-CSRFToken"
CSRF_FIELD = "csrf_token"


class SessionUser(UserMixin):
    def __init__(self, account: Account) -> None:
        self.account = account
        self.id = str(account.id)

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def role(self) -> str:
        return self.account.role

    @property
    def can_edit(self) -> bool:
        return self.account.can_edit


def secret_key(engine: Engine) -> str:
    """`AIDTRACKER_SECRET_KEY`, else the key kept in `app_secrets` (made on first use)."""
    env = os.environ.get("AIDTRACKER_SECRET_KEY", "").strip()
    if env:
        return env
    q = select(AppSecret.value).where(AppSecret.name == "session")
    with engine.connect() as conn:
        found = conn.execute(q).scalar()
    if found:
        return found
    try:
        with engine.begin() as conn:
            conn.execute(insert(AppSecret).values(name="session", value=secrets.token_hex(32)))
    except IntegrityError:  # another worker made it first
        pass
    with engine.connect() as conn:
        return conn.execute(q).scalar_one()


class _LazyKeySessions(SecureCookieSessionInterface):
    """Reads the signing key on the first request that needs a session, not at import."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            app.secret_key = secret_key(self.engine)
        return super().get_signing_serializer(app)


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def csrf_ok(sent: str | None) -> bool:
    token = session.get(CSRF_KEY)
    return bool(token and sent) and hmac.compare_digest(str(token), str(sent))


def check_csrf() -> None:
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    if not csrf_ok(sent):
        abort(400, description="CSRF token missing or invalid")


def editor() -> SessionUser | None:
    """The logged-in user when they may edit, else None."""
    user = current_user
    if user is not None and getattr(user, "is_authenticated", False) and user.can_edit:
        return user  # type: ignore[return-value]
    return None


def require_editor(view: Callable) -> Callable:
    """For write endpoints: 403 unless a reviewer or admin is logged in; 400 without the CSRF token."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if editor() is None:
            abort(403, description="editing needs a login as reviewer or admin")
        check_csrf()
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None, default: str = "/review/") -> str:
    """Only a path on this site (no scheme, no host, no //) is followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aidtracker: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/style.css"></head>
<body class="login-page"><main class="card login">
<h1>aidtracker</h1><p>Log in to review the data. Reading needs no account.</p>
{% if error %}<p class="notice" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{{ token }}">
<input type="hidden" name="next" value="{{ next }}">
<label for="login-name">User</label><input id="login-name" name="name" autocomplete="username" required autofocus>
<label for="login-password">Password</label>
<input id="login-password" name="password" type="password" autocomplete="current-password" required>
<button id="login-submit" class="button primary" type="submit">Log in</button>
</form><p><a href="/">Back to the dashboard</a></p></main></body></html>"""


def init_auth(server: Flask, engine: Engine) -> None:
    server.session_interface = _LazyKeySessions(engine)
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    manager = LoginManager()
    manager.session_protection = "strong"
    manager.init_app(server)

    @manager.user_loader
    def load_user(user_id: str):  # noqa: ANN202
        try:
            uid = int(user_id)
        except (TypeError, ValueError):
            return None
        with engine.connect() as conn:
            account = get_user(conn, uid)
        return SessionUser(account) if account else None

    @server.route("/login", methods=["GET", "POST"])
    def login():  # noqa: ANN202
        error = None
        nxt = safe_next(request.values.get("next"))
        if request.method == "POST":
            check_csrf()
            with engine.connect() as conn:
                account = authenticate(conn, request.form.get("name", ""), request.form.get("password", ""))
            if account is not None:
                session.clear()  # a new session on login (no fixation); new CSRF token
                login_user(SessionUser(account))
                return redirect(nxt)
            error = "Unknown user or wrong password."
        page = render_template_string(LOGIN_PAGE, token=csrf_token(), next=nxt, error=error)
        return page, (401 if error else 200)

    @server.route("/logout", methods=["POST"])
    def logout():  # noqa: ANN202
        check_csrf()
        logout_user()
        session.clear()
        return redirect("/")
