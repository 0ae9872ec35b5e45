"""Hard and soft acids and bases (HSAB): Pearson's classification of monatomic ions, with sources.

The numerical *absolute hardness* of an ion is computed in :mod:`electroscreen.featurizers.elements`
(:func:`~electroscreen.featurizers.elements.absolute_hardness`) from ionization energies and electron
affinities, following Parr & Pearson (1983). This module holds the qualitative classes, which are
literature data rather than a formula.

Only monatomic ions are listed: the screening works on element-level oxidation states. Entries are
keyed by ``(symbol, charge)``; every entry names where it comes from in ``HSAB_SOURCES``.
"""

from __future__ import annotations

__all__ = [
    "HSAB_CITATIONS",
    "HSAB_CLASSES",
    "HSAB_SOFTNESS",
    "HSAB_SOURCES",
    "hsab_class",
]

PEARSON_1963 = (
    "R. G. Pearson, Hard and soft acids and bases, J. Am. Chem. Soc. 85, 3533-3539 (1963), "
    "doi:10.1021/ja00905a001, Table I (acids) and Table II (bases)"
)
PARR_PEARSON_1983 = (
    "R. G. Parr, R. G. Pearson, Absolute hardness: companion parameter to absolute "
    "electronegativity, J. Am. Chem. Soc. 105, 7512-7516 (1983), doi:10.1021/ja00364a005"
)
PEARSON_1988 = (
    "R. G. Pearson, Absolute electronegativity and hardness: application to inorganic chemistry, "
    "Inorg. Chem. 27, 734-740 (1988), doi:10.1021/ic00277a030"
)
#: Where the anion classes that Pearson's 1963 tables do not list come from.
ANALOGY_NOTE = (
    "not in Pearson (1963); classed by analogy with the listed bases of the same donor atom "
    "(OH-, R2O hard; RS-, R2S soft), as in standard inorganic textbooks"
)

#: The references of the HSAB classes and hardness values (``HSABPairing.citations``).
HSAB_CITATIONS = (PEARSON_1963, PARR_PEARSON_1983, PEARSON_1988)

_PEARSON_1963_CLASSES: dict[str, tuple[str, ...]] = {
    "hard": (
        "H+ Li+ Na+ K+ Be2+ Mg2+ Ca2+ Sr2+ Mn2+ Al3+ Sc3+ Ga3+ In3+ La3+ N3+ Cl3+ Gd3+ Lu3+ Cr3+ "
        "Co3+ Fe3+ As3+ Ce3+ Si4+ Ti4+ Zr4+ Hf4+ Th4+ U4+ Pu4+ Sn4+ I5+ I7+ Cl7+ Cr6+ F- Cl-"
    ).split(),
    "borderline": ("Fe2+ Co2+ Ni2+ Cu2+ Zn2+ Pb2+ Sn2+ Sb3+ Bi3+ Rh3+ Ir3+ Ru2+ Os2+ Br-").split(),
    "soft": ("Cu+ Ag+ Au+ Tl+ Hg+ Pd2+ Cd2+ Pt2+ Hg2+ Pt4+ Te4+ Tl3+ I+ Br+ I- H-").split(),
}
_ANALOGY_CLASSES: dict[str, tuple[str, ...]] = {
    "hard": ("O2-",),
    "soft": ("S2-", "Se2-", "Te2-"),
}


def _parse_ion(label: str) -> tuple[str, int]:
    """``"Mg2+"`` -> ``("Mg", 2)``; ``"F-"`` -> ``("F", -1)``."""
    sign = 1 if label.endswith("+") else -1
    body = label[:-1]
    symbol = body.rstrip("0123456789")
    magnitude = int(body[len(symbol) :] or 1)
    return symbol, sign * magnitude


def _build() -> tuple[dict[tuple[str, int], str], dict[tuple[str, int], str]]:
    classes: dict[tuple[str, int], str] = {}
    sources: dict[tuple[str, int], str] = {}
    for table, source in ((_PEARSON_1963_CLASSES, PEARSON_1963), (_ANALOGY_CLASSES, ANALOGY_NOTE)):
        for cls, ions in table.items():
            for label in ions:
                key = _parse_ion(label)
                classes[key] = cls
                sources[key] = source
    return classes, sources


#: ``(symbol, charge) -> "hard" | "borderline" | "soft"``.
HSAB_CLASSES, HSAB_SOURCES = _build()
#: Numerical softness of each class, used by descriptors: hard 0, borderline 0.5, soft 1.
HSAB_SOFTNESS = {"hard": 0.0, "borderline": 0.5, "soft": 1.0}


def hsab_class(symbol: str, charge: int) -> str:
    """Pearson's HSAB class of a monatomic ion, ``""`` when it is not classified.

    Parameters
    ----------
    symbol : str
        Element symbol.
    charge : int
        Ionic charge (positive for acids/cations, negative for bases/anions).

    Returns
    -------
    str
        ``"hard"``, ``"borderline"``, ``"soft"`` or ``""``. ``HSAB_SOURCES[(symbol, charge)]`` says
        where the class comes from.

    Examples
    --------
    >>> hsab_class("Li", 1), hsab_class("Ag", 1), hsab_class("Br", -1), hsab_class("Ta", 5)
    ('hard', 'soft', 'borderline', '')
    """
    return HSAB_CLASSES.get((symbol, int(charge)), "")
