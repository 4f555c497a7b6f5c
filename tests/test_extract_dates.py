"""Date resolution (etl.extract.dates)."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.extract.dates import absolute_dates, resolve_date

SUNDAY = dt.date(2022, 10, 2)


@pytest.mark.parametrize(
    ("sentence", "lang", "published", "expected"),
    [
        ("Derudover har regeringen i fredags fået opbakning", "da", SUNDAY, dt.date(2022, 9, 30)),
        ("The minister announced it last Friday.", "en", SUNDAY, dt.date(2022, 9, 30)),
        ("Le ministre l'a annoncé vendredi dernier.", "fr", SUNDAY, dt.date(2022, 9, 30)),
        ("De minister maakte het afgelopen vrijdag bekend.", "nl", SUNDAY, dt.date(2022, 9, 30)),
        ("The minister announced it yesterday.", "en", SUNDAY, dt.date(2022, 10, 1)),
        ("Le ministre a annoncé hier un don.", "fr", SUNDAY, dt.date(2022, 10, 1)),
        ("Regeringen besluttede i går at donere.", "da", SUNDAY, dt.date(2022, 10, 1)),
        ("Het kabinet heeft gisteren besloten.", "nl", SUNDAY, dt.date(2022, 10, 1)),
        ("Denmark announced on 3 March 2022 a donation.", "en", SUNDAY, dt.date(2022, 3, 3)),
        ("Le Danemark a annoncé le 3 mars 2022 un don.", "fr", SUNDAY, dt.date(2022, 3, 3)),
        ("Announced on April 21, 2023.", "en", dt.date(2023, 4, 25), dt.date(2023, 4, 21)),
        ("The meeting took place on Tuesday (23 January 2024).", "en", dt.date(2024, 1, 23), dt.date(2024, 1, 23)),
        ("Last Friday was a Friday.", "en", dt.date(2022, 9, 30), dt.date(2022, 9, 23)),
        ("This afternoon, the Department announced aid.", "en", SUNDAY, None),
        ("Le Canada annoncé en novembre 2022 une aide.", "fr", SUNDAY, None),
        ("Het kabinet is hier vandaag.", "nl", SUNDAY, None),  # Dutch "hier" = here, not yesterday
    ],
)
def test_resolve_date(sentence, lang, published, expected):
    assert resolve_date(sentence, published, lang) == expected


def test_future_or_far_dates_are_not_the_announcement_day():
    assert resolve_date("A plan for 3 March 2030.", SUNDAY, "en") is None


def test_absolute_dates_in_text():
    assert absolute_dates("• 21 Apr. 2023 - | Last updated: 24 Apr. 2023", "en") == [
        dt.date(2023, 4, 21), dt.date(2023, 4, 24)]
    assert absolute_dates("le vendredi 21 avril 2023", "fr") == [dt.date(2023, 4, 21)]
    assert absolute_dates("2022-10-02", "da") == [dt.date(2022, 10, 2)]
    assert absolute_dates("31 February 2023", "en") == []


def test_day_and_month_without_year_take_the_release_year():
    assert resolve_date("Denmark announced on 3 March a donation.", dt.date(2022, 3, 10), "en") == dt.date(2022, 3, 3)
    assert resolve_date("Le Danemark a annoncé le 28 décembre un don.", dt.date(2023, 1, 2), "fr") == dt.date(2022, 12, 28)
    assert resolve_date("Announced on March 3.", dt.date(2022, 9, 10), "en") is None  # too far back: not this news
    assert resolve_date("It will arrive in May.", dt.date(2022, 3, 10), "en") is None
