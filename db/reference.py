"""Reference data fixed by CONTRACT.md: category codes, their groups and labels."""

from __future__ import annotations

GROUPS: tuple[str, ...] = ("lethal", "non_lethal", "financial", "humanitarian")

# code, group, English label, French label (order = display order)
CATEGORIES: tuple[tuple[str, str, str, str], ...] = (
    ("munitions", "lethal", "Munitions", "Munitions"),
    ("artillery", "lethal", "Artillery", "Artillerie"),
    ("rocket_artillery", "lethal", "Rocket artillery", "Artillerie à roquettes"),
    ("air_defence", "lethal", "Air defence", "Défense aérienne"),
    ("missiles", "lethal", "Missiles", "Missiles"),
    ("anti_tank", "lethal", "Anti-tank weapons", "Armes antichars"),
    ("armoured_vehicles", "lethal", "Armoured vehicles", "Véhicules blindés"),
    ("tanks", "lethal", "Tanks", "Chars"),
    ("aircraft", "lethal", "Aircraft", "Aéronefs"),
    ("drones", "lethal", "Drones", "Drones"),
    ("small_arms", "lethal", "Small arms", "Armes légères"),
    ("other_military", "lethal", "Other military", "Autre matériel militaire"),
    ("medical", "non_lethal", "Medical", "Matériel médical"),
    ("communications", "non_lethal", "Communications", "Communications"),
    ("engineering", "non_lethal", "Engineering", "Génie"),
    ("training", "non_lethal", "Training", "Formation"),
    ("logistics", "non_lethal", "Logistics", "Logistique"),
    ("other_non_lethal", "non_lethal", "Other non-lethal", "Autre matériel non létal"),
    ("financial", "financial", "Financial", "Aide financière"),
    ("humanitarian", "humanitarian", "Humanitarian", "Aide humanitaire"),
)

CATEGORY_GROUP: dict[str, str] = {code: group for code, group, _, _ in CATEGORIES}
GROUP_LABELS: dict[str, tuple[str, str]] = {
    "lethal": ("Lethal", "Létal"),
    "non_lethal": ("Non-lethal", "Non létal"),
    "financial": ("Financial", "Financier"),
    "humanitarian": ("Humanitarian", "Humanitaire"),
}


def group_of(category: str) -> str:
    """The group of a category code; KeyError for a code not in CONTRACT.md."""
    return CATEGORY_GROUP[category]
