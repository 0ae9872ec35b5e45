"""The field's acronyms for electrolytes, and the composition each usually means.

Users type ``LLZO`` or ``LATP`` in a formula column; the parser reads ``L`` as an unknown symbol
(and ``LiPON`` as the composition Li1P1O1N1). An acronym names a family, not a composition: LLZO's
depends on the paper's dopants (Al-, Ga-, Ta-LLZO) and its Li content. :func:`acronym_hint` names
the composition an acronym usually means, for the user to write it out; nothing is ever screened
from an acronym (:data:`ACRONYMS` is a hint table, read by no model or filter).
"""

from __future__ import annotations

__all__ = ["ACRONYMS", "acronym_hint", "written_acronym"]

#: Acronym -> the composition it usually means (one common composition of the family; papers
#: vary it with their dopants and Li content).
ACRONYMS: dict[str, str] = {
    "LLZO": "Li7La3Zr2O12",  # garnet
    "LATP": "Li1.3Al0.3Ti1.7(PO4)3",  # NASICON
    "LAGP": "Li1.5Al0.5Ge1.5(PO4)3",  # NASICON
    "LLTO": "Li0.33La0.56TiO3",  # perovskite, one common composition (x ~ 0.11)
    "LGPS": "Li10GeP2S12",
    "LPS": "Li3PS4",
    "LiPON": "Li2.9PO3.3N0.46",  # Bates' sputtered film
    "NZSP": "Na3Zr2Si2PO12",  # Na NASICON
    "LPSCl": "Li6PS5Cl",  # argyrodite
    "LYC": "Li3YCl6",
    "LIC": "Li3InCl6",
    "LZC": "Li2ZrCl6",
    "LSnPS": "Li10SnP2S12",
}
_BY_FOLDED = {key.casefold(): key for key in ACRONYMS}


def written_acronym(text: str, exact: bool = False) -> str | None:
    """The :data:`ACRONYMS` key a whole cell is, case ignored (``llzo``, ``LLZO``), after
    trimming; None for any other text.

    Parameters
    ----------
    text : str
        A formula cell as written.
    exact : bool
        Match the acronym's own spelling only (``LiPON``, not ``LIPON``): for a cell that parses
        as a formula, where a case-folded match could be a real formula (``LiC`` for ``LIC``).

    Examples
    --------
    >>> written_acronym(" llzo "), written_acronym("LiPON", exact=True), written_acronym("LiC", exact=True)
    ('LLZO', 'LiPON', None)
    """
    trimmed = text.strip()
    key = _BY_FOLDED.get(trimmed.casefold())
    if key is None or (exact and trimmed != key):
        return None
    return key


def acronym_hint(text: str, exact: bool = False) -> str:
    """``"; did you mean Li7La3Zr2O12 (LLZO)? acronyms are not read: ..."`` for a cell that is one
    of :data:`ACRONYMS` (:func:`written_acronym`), ``""`` for any other.

    Examples
    --------
    >>> acronym_hint("LATP")
    '; did you mean Li1.3Al0.3Ti1.7(PO4)3 (LATP)? acronyms are not read: write the composition, and the dopants'
    >>> acronym_hint("Li3YCl6")
    ''
    """
    key = written_acronym(text, exact)
    if key is None:
        return ""
    return (
        f"; did you mean {ACRONYMS[key]} ({key})? acronyms are not read: write the composition, "
        "and the dopants"
    )
