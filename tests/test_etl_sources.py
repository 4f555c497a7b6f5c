"""Issue 4: the sources file, SOURCE arguments, and money conversion."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

import etl.fetch.sources
from etl.fetch.sources import (
    SourcesError,
    default_sources_file,
    example_sources_file,
    load_sources_file,
    parse_sources,
    resolve,
    samples_dir,
    source_from_arg,
)
from etl.load.money import to_eur_usd


def test_example_file_lists_samples_nato_en_fr_and_dod():
    cfg = load_sources_file(example_sources_file())
    kinds = [(s.kind, s.location) for s in cfg.sources]
    assert kinds[0] == ("path", str(samples_dir()))
    feeds = [loc for kind, loc in kinds if kind == "feed"]
    assert any("nato.int/cps/rss/en/" in f for f in feeds) and any("nato.int/cps/rss/fr/" in f for f in feeds)
    assert any("defense.gov" in f for f in feeds)
    assert all(f.startswith("https://") for f in feeds)
    # every setting of the example is a real one, shown with its default value
    shown = tomllib.loads(example_sources_file().read_text())["settings"]
    defaults = etl.fetch.sources.Settings()
    assert {k: getattr(defaults, k) for k in shown} == shown
    assert len(list(samples_dir().glob("*.txt"))) == 17


def test_default_file_is_the_example_until_the_user_has_one(tmp_path, monkeypatch):
    monkeypatch.delenv("AIDTRACKER_SOURCES", raising=False)
    user = tmp_path / "sources.toml"
    monkeypatch.setattr(etl.fetch.sources, "sources_path", lambda: user)
    assert default_sources_file() == example_sources_file()
    user.write_text('[[source]]\npage = "https://example.org/a.html"\n')
    assert default_sources_file() == user
    assert resolve([]).sources[0].location == "https://example.org/a.html"


def test_env_file_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("AIDTRACKER_SOURCES", str(tmp_path / "nope.toml"))
    with pytest.raises(SourcesError, match="does not exist"):
        resolve([])


def test_arguments_replace_the_list_but_keep_the_settings(tmp_path, monkeypatch):
    f = tmp_path / "s.toml"
    f.write_text('[settings]\ntimeout = 3\n[[source]]\nfeed = "https://example.org/rss"\n')
    monkeypatch.setenv("AIDTRACKER_SOURCES", str(f))
    cfg = resolve(["https://example.org/page.html", "rel/dir"])
    assert cfg.settings.timeout == 3
    assert [(s.kind, s.location) for s in cfg.sources] == [
        ("url", "https://example.org/page.html"), ("path", str((tmp_path.cwd() / "rel/dir").resolve())),
    ]  # fmt: skip


def test_relative_paths_are_relative_to_the_file(tmp_path):
    f = tmp_path / "conf" / "s.toml"
    f.parent.mkdir()
    f.write_text('[[source]]\npath = "../releases"\n[[source]]\nsamples = true\nenabled = false\n')
    cfg = load_sources_file(f)
    assert [s.location for s in cfg.sources] == [str(tmp_path / "releases")]


@pytest.mark.parametrize(
    "toml, message",
    [
        ("[[source]]\nfeed = 'https://a.example/rss'\npage = 'https://a.example/'\n", "exactly one of"),
        ("[[source]]\nname = 'x'\n", "exactly one of"),
        ("[[source]]\nfeed = 'file:///etc/passwd'\n", "refused URL scheme 'file'"),
        ("[[source]]\npage = 'javascript:alert(1)'\n", "refused URL scheme 'javascript'"),
        ("[[source]]\nfeed = 'https://a.example/rss'\nfilter = '(['\n", "not a valid regular expression"),
        ("[[source]]\nfeed = 'https://a.example/rss'\ncolour = 'red'\n", "unknown key"),
        ("[[source]]\nsamples = 'yes'\n", "samples must be true"),
        ("[settings]\ntimeout = 'fast'\n", "must be a number"),
        ("[settings]\nretries = -1\n", "non-negative"),
        ("[settings]\nretries = 1.5\n", "non-negative int"),
        ("[settings]\nspeed = 1\n", "unknown setting 'speed'"),
        ("[sources]\n", "unknown top-level key"),
        ("source = 3\n", "use [[source]] tables"),
    ],
)
def test_sources_file_errors_say_where_and_why(toml, message):
    with pytest.raises(SourcesError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_sources(tomllib.loads(toml))


def test_not_toml(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("[[source]\n")
    with pytest.raises(SourcesError, match="not valid TOML"):
        load_sources_file(f)


@pytest.mark.parametrize("arg", ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.org/x"])
def test_arguments_with_other_schemes_are_refused(arg):
    with pytest.raises(SourcesError, match="refused URL scheme"):
        source_from_arg(arg)


def test_money_at_the_announcement_date():
    eur, usd = to_eur_usd(230e6, "DKK", dt.date(2022, 10, 2))  # a Sunday: interpolated
    assert 30.5e6 < eur < 31.2e6 and 29.5e6 < usd < 30.8e6
    eur, usd = to_eur_usd(1e9, "USD", dt.date(2022, 6, 15))
    assert usd == 1e9 and 0.94e9 < eur < 0.97e9
    assert to_eur_usd(100.0, "EUR", dt.date(2023, 1, 1))[0] == 100.0
    assert to_eur_usd(5.0, "UAH", dt.date(2023, 1, 1)) == (None, None)  # not an ECB currency
    assert to_eur_usd(None, "USD", dt.date(2023, 1, 1)) == (None, None)
    later = to_eur_usd(100.0, "USD", dt.date(2099, 1, 1))  # after the bundled rates: the last one
    assert later[1] == 100.0 and 70 < later[0] < 110
