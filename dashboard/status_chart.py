"""The chart split by status and the status filter of the main view (issue 15): pure functions."""

from __future__ import annotations

from dashboard.figures import Fig, View, _base_layout, _m, empty_figure

LABELS = {
    "en": {"announced": "Announced", "in_delivery": "In delivery", "delivered": "Delivered", "unknown": "Unknown",
           "title": "{what} by status", "filter": "Status"},
    "fr": {"announced": "Annoncé", "in_delivery": "En cours de livraison", "delivered": "Livré", "unknown": "Inconnu",
           "title": "{what} par statut", "filter": "Statut"},
}  # fmt: skip
# Okabe-Ito, as the other charts
COLOURS = {"announced": "#0072B2", "in_delivery": "#E69F00", "delivered": "#009E73", "unknown": "#999999"}
ORDER = ("announced", "in_delivery", "delivered", "unknown")


def label(status: str, lang: str) -> str:
    return LABELS.get(lang, LABELS["en"]).get(status, status)


def status_options(lang: str) -> list[dict]:
    return [{"label": label(s, lang), "value": s} for s in ORDER]


def status_figure(rows: list[dict], view: View) -> dict:
    """Horizontal bars, one per status, in ORDER (rows: [{status, n, value_eur}])."""
    title = LABELS.get(view.lang, LABELS["en"])["title"].format(what=view.what())
    rows = [r for r in rows if _m(r, view) > 0]
    if not rows:
        return empty_figure(title, view)
    by = {r["status"]: r for r in rows}
    shown = [s for s in reversed(ORDER) if s in by]
    fig = Fig()
    fig.add(
        "bar",
        orientation="h",
        y=[label(s, view.lang) for s in shown],
        x=[_m(by[s], view) for s in shown],
        customdata=shown,
        marker=dict(color=[COLOURS[s] for s in shown]),
        hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        showlegend=False,
    )
    fig.update_layout(yaxis=dict(automargin=True), xaxis=dict(tickformat="~s", automargin=True))
    return _base_layout(fig, title, 260)
