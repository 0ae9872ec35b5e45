"""HSABPairing (``hsab_pairing_kernel``) on every OBELiX composition against a plain-Python version
whose absolute hardness comes from pymatgen's ionization energies and electron affinities."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from pymatgen.core.periodic_table import Element

from electroscreen.data import assign_oxidation_states, parse_formula
from electroscreen.featurizers.composition.electrolyte import CARRIER_IONS
from electroscreen.featurizers.composition.hsab import HSAB_SOFTNESS, hsab_class
from electroscreen.featurizers.composition.hsab_pairs import HSABPairing

CLASSES = ("hard", "borderline", "soft")
#: Compositions outside OBELiX that reach the other statuses and branches of the kernel.
EDGE_CASES = ["LiCl", "Li3N", "Li2O2", "Fe3O4", "LiBH4", "NaLi2PS4", "Li", "Li3OCl", "Li2Se"]


def _charge(state: float) -> int:
    """The nearest integer charge, halves rounded up (as the ion tables are indexed)."""
    return math.floor(state + 0.5)


def _hardness(symbol: str, state: float) -> float:
    """Pearson absolute hardness ``(I - A) / 2`` (eV) from pymatgen's element data."""
    el = Element(symbol)
    ie = el.ionization_energies
    n = _charge(state)
    if n <= 0:
        return (ie[0] - el.electron_affinity) / 2
    return (ie[n] - ie[n - 1]) / 2 if len(ie) > n and ie[n] is not None else np.nan


def _reference(formula: str) -> tuple[np.ndarray, str]:
    """The 11 features and the status, one formula at a time."""
    amounts = {el: a for el, a in parse_formula(formula).items() if a > 0}
    values = np.full(11, np.nan)
    result = assign_oxidation_states(amounts)
    if result.status == "no_oxidation_state":
        return values, "no_oxidation_state"
    states = result.states
    carriers = [s for s in CARRIER_IONS if states.get(s, 0) > 0]
    carrier = max(carriers, key=lambda s: (amounts[s], -CARRIER_IONS.index(s)), default=None)
    framework = {s: a for s, a in amounts.items() if states[s] > 0 and s not in (carrier, "H")}
    anions = {s: a for s, a in amounts.items() if states[s] < 0}

    def classes(ions: dict[str, float]) -> np.ndarray:
        out = np.zeros(4)  # hard, borderline, soft, unclassified
        for s, a in ions.items():
            cls = hsab_class(s, _charge(states[s]))
            out[CLASSES.index(cls) if cls else 3] += a
        return out

    if not anions:
        return values, "no_anion"
    an = classes(anions)
    values[4:7] = an[:3] / an.sum()
    if not framework:
        return values, "no_framework_cation"
    cat = classes(framework)
    values[:4] = cat / cat.sum()
    pairs = np.outer(cat[:3], an[:3])
    if pairs.sum() > 0:
        soft = np.array([HSAB_SOFTNESS[c] for c in CLASSES])
        values[7] = (pairs * np.abs(soft[:, None] - soft[None, :])).sum() / pairs.sum()
        values[8] = pairs[0, 2] / pairs.sum()
    etas = [_hardness(s, states[s]) for s in framework]
    etas = [e for e in etas if np.isfinite(e)]
    values[9] = max(etas) if etas else np.nan
    anion_eta = {s: _hardness(s, states[s]) for s in anions}
    known = {s: a for s, a in anions.items() if np.isfinite(anion_eta[s])}
    if known:
        mean = sum(anion_eta[s] * a for s, a in known.items()) / sum(known.values())
        values[10] = values[9] - mean
    return values, "ok"


def test_equals_plain_python_reference_on_all_obelix(obelix_table):
    """Fractions to 1e-12; hardness to rel 1e-9 (pymatgen's ionization energies, as tabulated)."""
    formulas = obelix_table["true_composition"].tolist() + EDGE_CASES
    values, status = HSABPairing().transform_with_status(formulas)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [_reference(f) for f in formulas]
    want = np.array([row for row, _ in expected])
    assert values.shape == want.shape == (599 + len(EDGE_CASES), 11)
    for i, formula in enumerate(formulas):
        assert status[i] == expected[i][1], formula
        np.testing.assert_array_equal(np.isnan(values[i]), np.isnan(want[i]), err_msg=formula)
        np.testing.assert_allclose(values[i], want[i], rtol=1e-9, atol=1e-12, err_msg=formula)
    assert (status[:599] == "ok").sum() > 500  # OBELiX itself is most of the check
    assert {"no_anion", "no_framework_cation"} <= set(status)


def test_obelix_exercises_every_class_and_mixed_valence(obelix_table):
    """The comparison above is not vacuous: OBELiX has soft and borderline framework cations,
    hard-acid/soft-base pairs and mixed-valence compositions."""
    formulas = obelix_table["true_composition"].tolist()
    values, status = HSABPairing().transform_with_status(formulas)
    ok = status == "ok"
    assert (values[ok, 1] > 0).any() and (values[ok, 2] > 0).any()  # borderline, soft cations
    assert (values[ok, 8] > 0).any() and (values[ok, 3] > 0).any()  # hard-soft pairs, unclassified
    mixed = [assign_oxidation_states(parse_formula(f)).mixed_valence for f in formulas]
    assert sum(bool(m) for m in mixed) >= 5
    assert pytest.approx(1.0) == values[ok, :4].sum(axis=1).min()
