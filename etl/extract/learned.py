"""The learned step beside the rules: a row classifier that keeps or drops each row the rules found.

The rules decide *what* a sentence announces (donor, category, item, amounts); what they get wrong
most on unseen text is *whether* a sentence is a new announcement at all (background, restated
totals, other people's aid). This step scores every row the rules produced with a logistic
regression over a few rule features and the words of its evidence sentence, and drops rows whose
probability of being an analyst's row is below a threshold chosen by cross-validation.

The model is a small JSON file (feature -> weight, bias, threshold) shipped in the package: no
pickle, no download, and inference is a dot product in plain Python. `aidtracker train CORPUS_DIR`
rebuilds it from a corpus, deterministically (weights rounded), so CI can check that the shipped file
still reproduces from the corpus in the repository.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from etl.types import Announcement, ReleaseText

MODEL_PATH = Path(__file__).with_name("model") / "rows.json"
MODEL_VERSION = 1
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def row_features(release: ReleaseText, row: Announcement, rows: Sequence[Announcement]) -> list[str]:
    """Binary features of one row: rule outputs and the words of its evidence sentence."""
    text_len = max(len(release.text), 1)
    start = row.evidence_start or 0
    same_sentence = sum(1 for r in rows if r.evidence_start == row.evidence_start)
    same_donor = sum(1 for r in rows if r.donor_code == row.donor_code)
    feats = [
        f"cat={row.category}",
        f"lang={release.language or '?'}",
        f"conf={min(int(row.confidence * 10), 9)}",
        f"pos={min(int(5 * start / text_len), 4)}",
        f"nsent={min(same_sentence, 5)}",
        f"ndonor={min(same_donor, 8)}",
        f"value={row.value is not None}",
        f"quantity={row.quantity is not None}",
        f"total={row.item.endswith('(total)')}",
        f"donor_in_sentence={_donor_named(row)}",
    ]
    words = {w.lower() for w in _WORD.findall(row.evidence)}
    feats += [f"w={w}" for w in sorted(words)]
    return feats


def _donor_named(row: Announcement) -> bool:
    ev = row.evidence.lower()
    return row.donor.lower() in ev or row.donor_code.lower() in ev.split()


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    bias: float
    threshold: float

    def probability(self, feats: Iterable[str]) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) for f in feats)
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> Model | None:
    """The shipped model, or None when the package has none (the rules then run alone)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if data.get("version") != MODEL_VERSION:
        raise ValueError(f"{path}: model version {data.get('version')}, expected {MODEL_VERSION}")
    return Model(data["weights"], data["bias"], data["threshold"])


def keep_rows(release: ReleaseText, rows: list[Announcement], model: Model | None) -> list[Announcement]:
    """The rows the model keeps (all of them without a model)."""
    if model is None or not rows:
        return rows
    return [r for r in rows if model.probability(row_features(release, r, rows)) >= model.threshold]
