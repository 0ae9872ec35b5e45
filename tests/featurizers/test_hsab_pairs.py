"""HSABPairing against a plain-Python version over hsab_class and absolute_hardness."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from electroscreen.data import assign_oxidation_states, pack_compositions, parse_formula
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.featurizers.composition.electrolyte import CARRIER_IONS, _oxidation_arrays
from electroscreen.featurizers.composition.hsab import HSAB_SOFTNESS, hsab_class
from electroscreen.featurizers.composition.hsab_pairs import HSABPairing, hsab_pairing_kernel
from electroscreen.featurizers.elements import (
    absolute_hardness,
    absolute_hardness_table,
    hsab_softness_table,
)
from electroscreen.featurizers.registry import make_featurizer

FORMULAS = [
    "Li3PS4",
    "Li4SnS4",
    "Li3SbS4",
    "Li6PS5Cl",
    "Li7La3Zr2O12",
    "Li3YCl6",
    "Na3SbS4",
    "Li3.833Sn0.833As0.166S4",
    "Cu2S",
    "Li5.6Cu0.2PS4.8Br1.2",
    "Li1.3Al0.3Ti1.7(PO4)3",
]


def _reference(formula: str) -> np.ndarray:
    amounts = parse_formula(formula)
    states = assign_oxidation_states(amounts).states
    carriers = [s for s in CARRIER_IONS if s in amounts and states[s] > 0]
    carrier = max(carriers, key=lambda s: amounts[s]) if carriers else None
    framework = {s: a for s, a in amounts.items() if states[s] > 0 and s not in (carrier, "H")}
    anions = {s: a for s, a in amounts.items() if states[s] < 0}
    slot = {"hard": 0, "borderline": 1, "soft": 2, "": 3}

    def classes(ions):
        out = np.zeros(4)
        for s, a in ions.items():
            out[slot[hsab_class(s, round(states[s]))]] += a
        return out

    cat, an = classes(framework), classes(anions)
    values = np.full(11, np.nan)
    values[4:7] = an[:3] / an.sum()
    values[:4] = cat / cat.sum()
    w = np.outer(cat[:3], an[:3])
    if w.sum() > 0:
        soft = np.array([HSAB_SOFTNESS[c] for c in ("hard", "borderline", "soft")])
        values[7] = (w * np.abs(soft[:, None] - soft[None, :])).sum() / w.sum()
        values[8] = w[0, 2] / w.sum()
    etas = [absolute_hardness(SYMBOL_TO_Z[s], states[s]) for s in framework]
    values[9] = max(etas)
    eta_an = sum(absolute_hardness(SYMBOL_TO_Z[s], states[s]) * a for s, a in anions.items())
    values[10] = values[9] - eta_an / sum(anions.values())
    return values


def test_matches_plain_python_reference():
    values, status = HSABPairing().transform_with_status(FORMULAS)
    assert (status == "ok").all()
    for row, formula in zip(values, FORMULAS, strict=True):
        np.testing.assert_allclose(row, _reference(formula), atol=1e-12, err_msg=formula)


def test_thiophosphate_framework_is_harder_than_sn_sb_as():
    values = HSABPairing().transform(["Li3PS4", "Li4SnS4", "Li3SbS4", "Li3AsS4"])
    hardest = values[:, 9]
    assert hardest[0] > 2.5 * hardest[1:].max()  # P5+ ~78 eV vs Sn4+ 18, Sb5+ 22, As5+ 29 eV
    assert hardest[0] == pytest.approx(absolute_hardness(15, 5))


def test_kernel_equals_py_func():
    packed = pack_compositions(FORMULAS)
    ions, oxidation, _, _ = _oxidation_arrays(packed)
    args = (
        ions.offsets,
        ions.z,
        ions.amount,
        oxidation,
        np.asarray([SYMBOL_TO_Z[s] for s in CARRIER_IONS], dtype=np.int64),
        hsab_softness_table(),
        absolute_hardness_table(),
    )
    fast, fast_problem = hsab_pairing_kernel(*args)
    slow, slow_problem = hsab_pairing_kernel.py_func(*args)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast_problem, slow_problem)


def test_statuses_and_contract():
    featurizer = make_featurizer("hsab")
    values, status = featurizer.transform_with_status(["Li2O", "Li", "Li2XyZ", "LiCl"])
    assert list(status) == [
        "no_framework_cation",
        "no_anion",
        "unknown_element",
        "no_framework_cation",
    ]
    assert values[0, 4] == 1.0  # O2- is hard: anion fractions stay defined
    assert np.isnan(values[2]).all()
    names = list(featurizer.get_feature_names_out())
    assert len(names) == values.shape[1] == 11
    assert all(featurizer.feature_citations()[n] for n in names)
    assert clone(featurizer).get_params() == {}
