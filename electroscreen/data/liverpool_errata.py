"""Liverpool rows whose formula is not the material measured: the list, the rule and the reasons.

A scripted audit (twenty-eighth session) of every conductivity training row, OBELiX train and
Liverpool, checked charge balance with the project's oxidation states
(:func:`~electroscreen.data.oxidation.assign_oxidation_states`, rare states by
:func:`~electroscreen.data.rare_states.rare_state_needed`), parenthesised groups written without a
multiplier, the dataset's other columns, and one material written twice with conductivities decades
apart. **Rule**, fixed before deciding any row: a row is left out only when

1. its formula does not balance with the elements' usual oxidation states (``unbalanced``, or
   balanced only through a rare state such as phosphide P-1 beside oxide), **and**
2. the datasets themselves show that the written formula departs from the material: the same
   source's other rows (Liverpool or OBELiX), or every other row of the same compound, follow a
   balanced formula that this one breaks by a lost group multiplier, a dropped element, a wrong
   component or a wrong digit, by more than the rounding of its last written digit.

A row is never corrected by guessing: each one below is left out, not rewritten. Formulas that fail
(1) but not (2) stay: a source's own notation with vacancies left unwritten and followed by its
whole series (``Li0.3Sr0.6Ti0.20Fe0.30Ta0.5O3``, the LLTO atomic fractions of
doi:10.1007/BF02378009, ``Li4.275Ge0.61Ga0.25S4``), a last digit off by one
(``Li0.06La0.66Ti0.93Al0.06O3``), LiPON/LiBON nitrogen, P4+ of ``Li4P2S6``.

:func:`~electroscreen.data.liverpool.load_liverpool` gives these rows the status
:data:`NOT_THE_MATERIAL` with the reason as their ``error``; like ``bad_formula`` rows they train
nothing. ``electroscreen train`` counts and lists them (``n_liverpool_rows_<status>``,
``excluded_liverpool.csv``).
"""

from __future__ import annotations

import pandas as pd

from electroscreen.data.candidates import OK

__all__ = [
    "NOT_THE_MATERIAL",
    "NOT_THE_MATERIAL_ROWS",
    "USABLE",
    "excluded_rows",
    "excluded_summary",
]

#: Status of a Liverpool row whose formula is demonstrably not the material (module docstring).
NOT_THE_MATERIAL = "not_the_material"
#: Statuses of :func:`~electroscreen.data.liverpool.load_liverpool` rows that train (every other
#: status is an exclusion).
USABLE = (OK, "mixture")

_LATP = "{f}: balances only as phosphide P-1 beside oxide; the (PO4) group lost its multiplier 3 "
_LATO = (
    "Li0.7Al0.3Ti1.7(PO4)3: unbalanced (0.6 charges short; Ti would need more than +4); every other "
    "Al0.3Ti1.7 NASICON row of both datasets is Li1.3Al0.3Ti1.7(PO4)3"
)
_LGPS = (
    "Li3.6Ge0.4P0.6S4: balances only as P-2 with persulfide S-1; the paper's (doi:10.1149/1.1379028) "
    "other rows follow Li4-xGe1-xPxS4, and OBELiX holds both Li3.4Ge0.4P0.6S4 and Li3.6Ge0.6P0.4S4 "
    "from it (test split, so the row also escapes the leak guard); which one is meant is unknown"
)
_GLASS = (
    "(Li2O)50(Al2O5)5(P2O5)45: Al2O5 is no alumina, unbalanced (20 charges short); the paper's other "
    "rows are (Li2O)50(Al2O3)x(P2O5)50-x"
)

#: Liverpool ``ID`` -> why its formula is not the material (the evidence of rule 1 and rule 2).
NOT_THE_MATERIAL_ROWS: dict[str, str] = {
    "30": (
        "Li1.6Al0.6Ge0.8(PO4)3: unbalanced (2.4 charges short); OBELiX nng, same paper and the same "
        "7.0e-4 S/cm, is Li1.6Al0.6Ge0.8Ti0.6(PO4)3 (Ti0.6 dropped), as is Liverpool 432"
    ),
    "31": (
        "Li6.55La3Zr2Ga0.9O12: balances only with Zr below +3 (Zr+2.875); the paper's other row "
        "(790, Li6.4La3Zr2Ga0.2O12) follows Li7-3xGaxLa3Zr2O12, where Li6.55 means Ga0.15"
    ),
    "155": _LATO,
    "156": _LATO,
    "157": _LATO,
    "455": _LATO + ", the same paper's row 451 (and OBELiX 9s4) too",
    "341": (
        "Li1.2Sc0.2Ti0.2Zr1.5(PO4)3: unbalanced (0.4 charges short), Sc+Ti+Zr = 1.9 per (PO4)3; the "
        "paper's 12 other rows (doi:10.1016/0167-2738(86)90179-7) all fill 2.0 and balance"
    ),
    "431": _LATP.format(f="Li1.05Al0.05Ti1.95(PO4)")
    + "(the paper's other row 430 is Li1.5Al0.5Ti1.5(PO4)3; 206 other (PO4) rows carry one)",
    "486": _LATP.format(f="Li1.45Al0.45Ti1.55(PO4)")
    + "(206 other (PO4) rows of the dataset carry one)",
    "703": (
        "Li6NiBr3: unbalanced (Ni would need -3); the paper's other rows are all Suzuki phases "
        "Li6MX8 (Li6NiCl8, Li6FeCl8, Li6CoCl8), which balance"
    ),
    "847": _GLASS,
    "848": _GLASS,
    "849": _GLASS,
    "850": _GLASS,
    "851": _GLASS,
    "871": _LGPS,
    "875": _LGPS,
    "2027": _LGPS,
}


def excluded_rows(measurements: pd.DataFrame) -> pd.DataFrame:
    """The Liverpool rows that train nothing (any status but :data:`USABLE`).

    Parameters
    ----------
    measurements : DataFrame
        :func:`~electroscreen.data.liverpool.load_liverpool`'s table.

    Returns
    -------
    DataFrame
        ``ID, composition, status, error`` of those rows, in file order.
    """
    bad = ~measurements["status"].isin(USABLE)
    return measurements.loc[bad, ["ID", "composition", "status", "error"]].reset_index(drop=True)


def excluded_summary(measurements: pd.DataFrame) -> str:
    """One line: how many measurement rows are left out, per status (``"18 of 820 measurement
    rows left out (not_the_material: 18)"``)."""
    bad = excluded_rows(measurements)
    counts = ", ".join(f"{k}: {v}" for k, v in bad["status"].value_counts().sort_index().items())
    tail = f" ({counts})" if counts else ""
    return f"{len(bad)} of {len(measurements)} measurement rows left out{tail}"
