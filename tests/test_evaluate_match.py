"""Issue 3: the matching rule of CONTRACT.md (*Evaluation corpus*) as a pure function."""

from __future__ import annotations

from etl.evaluate import Counts, match, score
from etl.extract.donors import code_for, name_for


def row(code: str, category: str, date: str = "2023-01-01", **kw) -> dict:
    return {"donor_code": code, "category": category, "date": date, **kw}


def test_donor_and_category_must_agree():
    exp = [row("USA", "munitions"), row("DNK", "armoured_vehicles")]
    pred = [row("USA", "artillery"), row("DNK", "armoured_vehicles"), row("NLD", "munitions")]
    m = match(exp, pred)
    assert m.pairs == [(1, 1)]
    assert m.missed == [0]
    assert m.false_hits == [0, 2]


def test_each_expected_matched_at_most_once():
    exp = [row("USA", "munitions")]
    pred = [row("USA", "munitions"), row("USA", "munitions")]
    m = match(exp, pred)
    assert m.pairs == [(0, 0)] and m.false_hits == [1] and m.missed == []


def test_duplicates_on_both_sides():
    exp = [row("USA", "munitions")] * 3
    pred = [row("USA", "munitions")] * 2
    m = match(exp, pred)
    assert len(m.pairs) == 2 and m.missed == [2] and m.false_hits == []


def test_ambiguous_rows_match_on_donor_alone():
    exp = [row("POL", "tanks", ambiguous=True)]
    pred = [row("POL", "armoured_vehicles")]
    assert match(exp, pred).pairs == [(0, 0)]
    assert match([row("POL", "tanks")], pred).pairs == []


def test_unflagged_rows_are_served_first():
    # The ambiguous row comes first in the file, but if it took the only munitions prediction
    # the unflagged munitions row would miss: unflagged first gives two matches.
    exp = [row("GBR", "other_military", ambiguous=True), row("GBR", "munitions")]
    pred = [row("GBR", "munitions"), row("GBR", "artillery")]
    m = match(exp, pred)
    assert sorted(m.pairs) == [(0, 1), (1, 0)]
    assert m.missed == [] and m.false_hits == []


def test_ambiguous_row_cannot_take_what_unflagged_rows_need():
    exp = [row("GBR", "munitions", ambiguous=True), row("GBR", "munitions")]
    pred = [row("GBR", "munitions")]
    m = match(exp, pred)
    assert m.pairs == [(1, 0)] and m.missed == [0]


def test_ambiguous_prefers_same_category():
    exp = [row("DEU", "air_defence", ambiguous=True)]
    pred = [row("DEU", "tanks"), row("DEU", "air_defence")]
    assert match(exp, pred).pairs == [(0, 1)]


def test_date_only_chooses_among_equal_candidates():
    exp = [row("USA", "munitions", date="2022-07-01")]
    pred = [row("USA", "munitions", date="2022-06-30"), row("USA", "munitions", date="2022-07-01")]
    c, m = score(exp, pred)
    assert m.pairs == [(0, 1)]
    assert (c.n_expected, c.n_predicted, c.n_matched, c.n_date_ok) == (1, 2, 1, 1)


def test_matching_is_within_one_file_and_figures_sum():
    total = Counts()
    c1, _ = score([row("USA", "munitions"), row("USA", "tanks")], [row("USA", "munitions")])
    c2, _ = score([], [row("FRA", "tanks", date="2023-02-02")])
    c3, _ = score([row("NLD", "training")], [row("NLD", "training", date="2099-01-01")])
    for c in (c1, c2, c3):
        total.add(c)
    f = total.figures()
    assert (f["n_expected"], f["n_predicted"], f["n_matched"], f["n_files"]) == (3, 3, 2, 3)
    assert f["precision"] == round(2 / 3, 4) and f["recall"] == round(2 / 3, 4)
    assert f["f1"] == round(2 / 3, 4)
    assert f["date_accuracy"] == 0.5


def test_empty_figures_are_zero():
    f = Counts().figures()
    assert f["precision"] == f["recall"] == f["f1"] == f["date_accuracy"] == 0.0


def test_donor_lookup():
    assert code_for("United States") == "USA"
    assert code_for("États-Unis") == "USA"
    assert code_for("the Netherlands") == "NLD"
    assert code_for("Pays-Bas") == "NLD"
    assert code_for("European Union") == "EU"
    assert code_for("NATO") == code_for("OTAN") == "NATO"
    assert code_for("U.S.") == "USA" and code_for("UK") == "GBR"
    assert code_for("Turkey") == code_for("Türkiye") == "TUR"
    assert code_for("DNK") == "DNK"
    # ordinary words never become donors
    for word in ("and", "can", "us", "in", "", "Atlantis"):
        assert code_for(word) is None, word
    assert name_for("NLD") == "Netherlands" and name_for("EU") == "European Union"
    assert name_for("XXX") is None


def test_every_expected_donor_of_the_corpus_is_known(corpus_dir):
    import json

    for entry in json.loads((corpus_dir / "expected.json").read_text(encoding="utf-8")):
        for a in entry["announcements"]:
            assert code_for(a["donor"]), a["donor"]
