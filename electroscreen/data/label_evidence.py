"""How strong an air-stability label's evidence is and how harsh its exposure was, from its own columns.

Two classes of a label row (:mod:`electroscreen.data.air_stability`), read from what the label file
already records; ``models/label_weights.py`` turns them into fitting weights when a config asks.

*Weak evidence* (:func:`weak_evidence`): the ``evidence`` text names a secondary or
non-measurement source: a review or a review's account, an encyclopedia, handbook, reference work or
database, a safety document, a dissertation or thesis statement, a literature or source statement,
a patent or a manufacturer's guidance, a computation alone (``DFT only``), a solubility statement,
or the compiler's own mark (``weak``, ``not a measurement``, ``no exposure test``). 96 of the 338
rows of the package labels (2026-12-07).

*Exposure* (:func:`exposure_class`): ``harsh``, ``mild`` or ``""`` (not known or in between).
Humidity decides first: *wet* (relative humidity >= 50 %, a dew point >= 14 degC, about 50 % RH at
25 degC, or liquid water named in ``condition``: immersion, soaking, aqueous solution, hydrothermal
treatment, seawater, ...) is harsh, *dry* (RH <= 20 % or a dew point <= -20 degC) mild; where
neither, the duration decides: >= 24 h harsh, < 1 h mild. 91 harsh and 35 mild rows of the 338.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "EXPOSURE_CLASSES",
    "LIQUID_WATER",
    "WEAK_EVIDENCE",
    "exposure_class",
    "liquid_water",
    "weak_evidence",
]

#: Words of an ``evidence`` text that mark a secondary or non-measurement source.
WEAK_EVIDENCE = re.compile(
    r"\bweak\b|\breview|encyclop|wikipedia|handbook|reference[- ]work|reference[- ]database"
    r"|merck index|safety (?:manual|summary)|compound page|dissertation|\bthesis\b|\bdft only"
    r"|literature statement|not a measurement|no (?:dedicated )?exposure test|insoluble"
    r"|solubility|statement of the source|patent|manufacturer",
    re.IGNORECASE,
)
#: Words of a ``condition`` text that name liquid water (not vapour) as the exposure.
LIQUID_WATER = re.compile(
    r"immers|soak|liquid water|liquid h2o|h2o bath|water bath|distilled water|aqueous|hydrothermal"
    r"|seawater|brine|dissol|\bin (?:pure |liquid )?water\b|\bwater (?:wash|immersion|contact"
    r"|treatment)|contact with (?:liquid )?water|pure water",
    re.IGNORECASE,
)
#: Values of :func:`exposure_class` (``""``: not known or in between).
EXPOSURE_CLASSES = ("harsh", "mild", "")
#: Thresholds: RH (%), dew point (degC) and duration (h).
WET_RH, DRY_RH = 50.0, 20.0
WET_DEW_POINT, DRY_DEW_POINT = 14.0, -20.0
LONG_H, SHORT_H = 24.0, 1.0


def weak_evidence(evidence: str) -> str:
    """The words of ``evidence`` that mark it weak (:data:`WEAK_EVIDENCE`), ``""`` when none do.

    Examples
    --------
    >>> weak_evidence("review statement (HSAB design)")
    'review'
    >>> weak_evidence("H2S sensor (peak 55.9 ppm); colour/morphology change")
    ''
    """
    match = WEAK_EVIDENCE.search(str(evidence))
    return match.group(0) if match else ""


def liquid_water(condition: str) -> bool:
    """Whether a ``condition`` text names liquid water as the exposure (:data:`LIQUID_WATER`)."""
    return LIQUID_WATER.search(str(condition)) is not None


def exposure_class(table: pd.DataFrame) -> np.ndarray:
    """Per row of a label table, ``"harsh"``, ``"mild"`` or ``""`` (module docstring).

    Parameters
    ----------
    table : DataFrame
        ``condition`` and the numeric exposure fields ``rh_percent``, ``dew_point_c``,
        ``duration_h`` (NaN where not given; a missing column counts as not given), as
        :func:`~electroscreen.data.air_stability.load_air_stability` returns them.

    Returns
    -------
    ndarray of str, shape (n_rows,)
    """
    n = len(table)

    def number(column: str) -> np.ndarray:
        if column not in table:
            return np.full(n, np.nan)
        return pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)

    rh, dew, hours = number("rh_percent"), number("dew_point_c"), number("duration_h")
    condition = table["condition"] if "condition" in table else pd.Series([""] * n)
    with np.errstate(invalid="ignore"):
        wet = (rh >= WET_RH) | (dew >= WET_DEW_POINT)
        wet |= np.array([liquid_water(text) for text in condition], dtype=bool)
        dry = ~wet & ((rh <= DRY_RH) | (dew <= DRY_DEW_POINT))
        between = ~wet & ~dry
        harsh = wet | (between & (hours >= LONG_H))
        mild = dry | (between & (hours < SHORT_H))
    return np.where(harsh, "harsh", np.where(mild, "mild", ""))
