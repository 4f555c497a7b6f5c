"""Issue 15: users and roles, login, CSRF and 403 on the write endpoints (Flask test client),
the review page's controls per role, and the CLI."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from db.engine import make_engine, upgrade
from db.models import Announcement, Review, User
from db.users import UserError, add_user, authenticate

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from etl.pipeline import load_samples

    e = make_engine(f"sqlite:///{tmp_path_factory.mktemp('auth') / 'a.sqlite3'}")
    upgrade(e)
    load_samples(e)
    with e.begin() as conn:
        add_user(conn, "rita", "reviewer", PASSWORD)
        add_user(conn, "vic", "viewer", PASSWORD)
    yield e
    e.dispose()


@pytest.fixture(scope="module")
def app(engine):
    from dashboard.app import create_app

    return create_app(engine).server


def _token(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, name: str, password: str = PASSWORD):
    token = _token(client)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token,
                                       "next": "/review/"})  # fmt: skip


def _csrf_of(client) -> str | None:
    with client.session_transaction() as s:
        return s.get("_csrf")


def _first_id(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(Announcement.id).order_by(Announcement.confidence, Announcement.id)).scalars().first()


def test_passwords_are_hashed_and_checked(engine):
    with engine.connect() as conn:
        stored = conn.execute(select(User.password_hash).where(User.name == "rita")).scalar()
        assert stored.startswith("scrypt:") and PASSWORD not in stored
        assert authenticate(conn, "rita", PASSWORD).role == "reviewer"
        assert authenticate(conn, "rita", "wrong password") is None
        assert authenticate(conn, "nobody", PASSWORD) is None
    with engine.begin() as conn:
        for name, role, pw in (("x y", "viewer", PASSWORD), ("ok", "boss", PASSWORD), ("ok", "viewer", "short")):
            with pytest.raises(UserError):
                add_user(conn, name, role, pw)
        with pytest.raises(UserError):
            add_user(conn, "rita", "admin", PASSWORD)  # exists


def test_reading_is_open_and_shows_no_edit_controls(app):
    c = app.test_client()
    assert c.get("/").status_code == 200
    layout = c.get("/review/_dash-layout").get_data(as_text=True)
    assert "rv-grid" in layout and "rv-login" in layout
    assert "rv-confirm" not in layout and "rv-editor" not in layout
    assert c.get("/review/").status_code == 200


def test_login_wrong_password_and_csrf_on_the_form(app):
    c = app.test_client()
    assert login(c, "rita", "wrong password").status_code == 401
    r = c.post("/login", data={"name": "rita", "password": PASSWORD})  # no token
    assert r.status_code == 400
    r = login(c, "rita")
    assert r.status_code == 302 and r.headers["Location"].endswith("/review/")
    assert "HttpOnly" in r.headers.get("Set-Cookie", "") and "SameSite=Lax" in r.headers.get("Set-Cookie", "")
    c2 = app.test_client()
    r = c2.post("/login", data={"name": "rita", "password": PASSWORD, "csrf_token": _token(c2),
                                "next": "//evil.example/"})  # fmt: skip
    assert r.headers["Location"] == "/review/"  # no open redirect


def test_viewer_sees_no_controls_and_is_refused_403(app, engine):
    c = app.test_client()
    login(c, "vic")
    layout = c.get("/review/_dash-layout").get_data(as_text=True)
    assert "rv-confirm" not in layout and "vic (viewer)" in layout
    token = _csrf_of(c)
    ann = _first_id(engine)
    r = c.post(f"/review/api/announcements/{ann}", json={"action": "reject"}, headers={"X-CSRFToken": token})
    assert r.status_code == 403
    anon = app.test_client()
    assert anon.post(f"/review/api/announcements/{ann}", json={"action": "reject"}).status_code == 403
    assert anon.post("/review/api/releases/1/announcements", json={}).status_code == 403
    with engine.connect() as conn:
        assert conn.execute(select(Review.id)).first() is None
        assert conn.execute(select(Announcement.review_state).where(Announcement.id == ann)).scalar() == "unreviewed"


def test_reviewer_writes_only_with_the_csrf_token(app, engine):
    c = app.test_client()
    login(c, "rita")
    layout = c.get("/review/_dash-layout").get_data(as_text=True)
    assert "rv-confirm" in layout and "rv-editor" in layout
    ann = _first_id(engine)
    assert c.post(f"/review/api/announcements/{ann}", json={"action": "confirm"}).status_code == 400
    r = c.post(f"/review/api/announcements/{ann}", json={"action": "confirm"}, headers={"X-CSRFToken": "forged"})
    assert r.status_code == 400
    token = _csrf_of(c)
    r = c.post(f"/review/api/announcements/{ann}", json={"action": "correct", "changes": {"category_code": "medical"},
               "note": "field hospital"}, headers={"X-CSRFToken": token})  # fmt: skip
    assert r.status_code == 200 and r.get_json()["row"]["review_state"] == "corrected"
    r = c.post(f"/review/api/announcements/{ann}", json={"action": "correct", "changes": {"quantity": "lots"}},
               headers={"X-CSRFToken": token})  # fmt: skip
    assert r.status_code == 422 and "whole number" in r.get_json()["error"]
    with engine.connect() as conn:
        rows = conn.execute(select(Review.user_name, Review.action, Review.note)).all()
    assert [tuple(x) for x in rows] == [("rita", "correct", "field hospital")]
    # logout needs the token too
    assert c.post("/logout").status_code == 400
    assert c.post("/logout", data={"csrf_token": token}).status_code == 302
    assert c.post(f"/review/api/announcements/{ann}", json={"action": "confirm"},
                  headers={"X-CSRFToken": token}).status_code == 403  # fmt: skip


def test_cli_user_add(tmp_path, monkeypatch):
    from aidtracker.cli import main
    from db.engine import default_engine

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    default_engine.cache_clear()
    try:
        r = CliRunner().invoke(main, ["user", "add", "ana", "--role", "reviewer", "--password-stdin"],
                               input="a long password\n")  # fmt: skip
        assert r.exit_code == 0, r.output
        assert "user ana (reviewer) added" in r.output
        r = CliRunner().invoke(main, ["user", "add", "ana", "--role", "admin", "--password-stdin"], input="x\n")
        assert r.exit_code != 0 and "at least" in r.output
        r = CliRunner().invoke(main, ["user", "list"])
        assert "ana\treviewer\tactive" in r.output
    finally:
        default_engine.cache_clear()
