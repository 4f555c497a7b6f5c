"""English and French labels of the dashboard (category labels come from db.reference)."""

from __future__ import annotations

from db.reference import CATEGORIES, GROUP_LABELS

LANGS = ("en", "fr")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Aid to Ukraine: announcements from official releases",
        "announcements": "Announcements",
        "pledges": "Pledges",
        "mentions": "Mentions",
        "donors": "Donors",
        "releases": "Releases",
        "value": "Total stated value (EUR)",
        "data_as_of": "Data as of",
        "no_run": "no refresh recorded yet",
        "donor": "Donor",
        "category": "Category",
        "group": "Group",
        "dates": "Date range",
        "publisher": "Publisher",
        "language": "Release language",
        "search": "Search item and evidence",
        "min_conf": "Minimum confidence",
        "counting": "Counting",
        "count_pledges": "Each pledge once",
        "count_mentions": "Every mention",
        "measure": "Charts show",
        "measure_count": "Number",
        "measure_value": "Value (EUR)",
        "time_view": "Over time",
        "monthly": "Per month",
        "cumulative": "Cumulative",
        "cat_view": "Categories as",
        "bars": "Bars",
        "treemap": "Treemap",
        "reset": "Reset filters",
        "download_csv": "Download CSV (filtered rows)",
        "chart_csv": "Chart data (CSV)",
        "ui_lang": "Language / Langue",
        "any": "All",
        "table_title": "Announcements matching the filters",
        "no_data": "No announcements match these filters",
        "by_donor": "{what} by donor and group{top}",
        "by_category": "{what} by category",
        "over_time": "{what} per month, by group",
        "over_time_cum": "{what}, cumulative by month, by group",
        "map": "{what} by donor country",
        "map_note": "Organisations (NATO, EU, ...) are not on the map",
        "what_pledges": "Pledges (each counted once)",
        "what_mentions": "Mentions (every release counted)",
        "what_value_pledges": "Stated value in EUR (each pledge once)",
        "what_value_mentions": "Stated value in EUR (every mention)",
        "top": " (top {n})",
        "col_date": "Date",
        "col_item": "Item",
        "col_quantity": "Quantity",
        "col_value": "Value",
        "col_currency": "Currency",
        "col_value_eur": "Value (EUR)",
        "col_evidence": "Evidence",
        "col_source": "Source",
        "col_confidence": "Confidence",
        "notice": "Some of the address could not be used",
        "click_hint": "Click a bar, a country or a category to filter everything.",
    },
    "fr": {
        "title": "Aide à l'Ukraine : annonces tirées des communiqués officiels",
        "announcements": "Annonces",
        "pledges": "Engagements",
        "mentions": "Mentions",
        "donors": "Donateurs",
        "releases": "Communiqués",
        "value": "Valeur annoncée totale (EUR)",
        "data_as_of": "Données au",
        "no_run": "aucune mise à jour enregistrée",
        "donor": "Donateur",
        "category": "Catégorie",
        "group": "Groupe",
        "dates": "Période",
        "publisher": "Éditeur",
        "language": "Langue du communiqué",
        "search": "Rechercher dans l'objet et la preuve",
        "min_conf": "Confiance minimale",
        "counting": "Décompte",
        "count_pledges": "Chaque engagement une fois",
        "count_mentions": "Chaque mention",
        "measure": "Les graphiques montrent",
        "measure_count": "Nombre",
        "measure_value": "Valeur (EUR)",
        "time_view": "Dans le temps",
        "monthly": "Par mois",
        "cumulative": "Cumulé",
        "cat_view": "Catégories en",
        "bars": "Barres",
        "treemap": "Carte proportionnelle",
        "reset": "Réinitialiser les filtres",
        "download_csv": "Télécharger le CSV (lignes filtrées)",
        "chart_csv": "Données du graphique (CSV)",
        "ui_lang": "Language / Langue",
        "any": "Tous",
        "table_title": "Annonces correspondant aux filtres",
        "no_data": "Aucune annonce ne correspond à ces filtres",
        "by_donor": "{what} par donateur et groupe{top}",
        "by_category": "{what} par catégorie",
        "over_time": "{what} par mois, par groupe",
        "over_time_cum": "{what}, cumul mensuel, par groupe",
        "map": "{what} par pays donateur",
        "map_note": "Les organisations (OTAN, UE, ...) ne figurent pas sur la carte",
        "what_pledges": "Engagements (chacun compté une fois)",
        "what_mentions": "Mentions (chaque communiqué compté)",
        "what_value_pledges": "Valeur annoncée (EUR, chaque engagement une fois)",
        "what_value_mentions": "Valeur annoncée (EUR, chaque mention)",
        "top": " ({n} premiers)",
        "col_date": "Date",
        "col_item": "Objet",
        "col_quantity": "Quantité",
        "col_value": "Valeur",
        "col_currency": "Devise",
        "col_value_eur": "Valeur (EUR)",
        "col_evidence": "Preuve",
        "col_source": "Source",
        "col_confidence": "Confiance",
        "notice": "Une partie de l'adresse n'a pas pu être utilisée",
        "click_hint": "Cliquez sur une barre, un pays ou une catégorie pour tout filtrer.",
    },
}


def t(lang: str, key: str, **kw) -> str:
    s = TEXT.get(lang, TEXT["en"]).get(key) or TEXT["en"][key]
    return s.format(**kw) if kw else s


def category_label(code: str, lang: str) -> str:
    for c, _g, en, fr in CATEGORIES:
        if c == code:
            return fr if lang == "fr" else en
    return code


def group_label(group: str, lang: str) -> str:
    en, fr = GROUP_LABELS.get(group, (group, group))
    return fr if lang == "fr" else en
