"""Issue 15: `status` (announced / delivered / in_delivery / unknown) from the evidence sentence,
with per-language cue words; the other fields of the rows do not depend on it."""

from __future__ import annotations

import pytest

from etl.extract.status import STATUSES, cues, status_of

CASES = [
    ("en", "The United States will deliver 31 Abrams tanks to Ukraine.", "announced"),
    ("en", "Denmark announced a new package of 100 million euros.", "announced"),
    ("en", "Canada has delivered four Leopard 2 tanks to Ukraine.", "delivered"),
    ("en", "The first Patriot battery arrived in Ukraine last week.", "delivered"),
    ("en", "The howitzers are being delivered to Ukraine this month.", "in_delivery"),
    ("en", "The first of the 40 Marder vehicles have arrived; the rest will follow.", "in_delivery"),
    ("en", "Norway: 10,000 rounds of 155 mm ammunition.", "unknown"),
    ("fr", "La France livrera des canons Caesar à l'Ukraine.", "announced"),
    ("fr", "Le Canada a annoncé l'envoi de 200 véhicules blindés.", "announced"),
    ("fr", "Les 12 canons Caesar ont été livrés à l'Ukraine.", "delivered"),
    ("fr", "Les chars sont en cours de livraison.", "in_delivery"),
    ("nl", "Nederland zal 18 pantserhouwitsers leveren aan Oekraïne.", "announced"),
    ("nl", "De eerste pantserhouwitsers zijn aangekomen in Oekraïne; de levering is begonnen.", "in_delivery"),
    ("nl", "Nederland heeft 5 pantserhouwitsers geleverd.", "delivered"),
    ("da", "Danmark vil donere 19 Caesar-kanoner til Ukraine.", "announced"),
    ("da", "Kanonerne er blevet leveret til Ukraine.", "delivered"),
    ("da", "De første kampvogne er på vej til Ukraine.", "in_delivery"),
    ("de", "Deutschland wird der Ukraine 14 Leopard-Panzer liefern.", "announced"),
    ("de", "Die Panzer sind in der Ukraine eingetroffen.", "delivered"),
    ("de", "Die Panzer werden derzeit geliefert.", "in_delivery"),
    ("sv", "Sverige kommer att skicka 10 stridsvagnar till Ukraina.", "announced"),
    ("sv", "Stridsvagnarna har levererats till Ukraina.", "delivered"),
    ("sv", "Stridsvagnarna är på väg till Ukraina.", "in_delivery"),
]


@pytest.mark.parametrize(("lang", "sentence", "expected"), CASES)
def test_status_cues_per_language(lang, sentence, expected):
    assert status_of(sentence, lang) == expected


def test_every_language_has_every_kind_and_unknown_language_uses_all():
    assert set(cues()) == {"en", "fr", "nl", "da", "de", "sv"}
    assert all(set(k) == {"announced", "delivered", "in_delivery"} for k in cues().values())
    assert status_of("Les 12 canons Caesar ont été livrés.", None) == "delivered"
    assert status_of("Les 12 canons Caesar ont été livrés.", "xx") == "delivered"
    assert status_of("", "en") == "unknown"


def test_status_is_set_once_and_leaves_every_other_field_alone(corpus_dir):
    """extract() = the engine's rows, same fields in the same order, plus a status."""
    from etl.extract import extract
    from etl.extract.engine import extract_release
    from etl.parse import read_release_file

    files = sorted((corpus_dir / "releases").iterdir())
    assert files
    statuses = set()
    for path in files:
        release = read_release_file(path)
        plain = [a.to_record() for a in extract_release(release)]
        rows = extract(release)
        assert [a.to_record() for a in rows] == plain
        statuses.update(a.status for a in rows)
    assert statuses <= set(STATUSES)
    assert "announced" in statuses  # the corpus is announcements: most rows say so
