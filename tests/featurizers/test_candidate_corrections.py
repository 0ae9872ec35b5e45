"""A batch's stabilisation corrections worked out once for the moisture descriptors and the window
(featurizers/thermo/candidate_enthalpy.py): the same values as each alone, to the last bit."""

from __future__ import annotations

import numpy as np

import electroscreen.featurizers.thermo.candidate_enthalpy as candidate_enthalpy
from electroscreen.data.carrier_balance import carrier_balanced
from electroscreen.data.compositions import pack_compositions
from electroscreen.featurizers.thermo.enthalpies import enthalpy_table
from electroscreen.featurizers.thermo.moisture import MoistureChemistry
from electroscreen.featurizers.thermo.reaction_systems import stack_systems
from electroscreen.featurizers.thermo.window import ElectrochemicalWindow

#: Oxides the model corrects (a garnet, doped ones with minor cations, an oxysulfide), a tabulated
#: one, a sulfide it does not correct, a row without Li (no window) and rows no scan takes.
BATCH = [
    "Li7La3Zr2O12",
    "Li6.4La3Zr1.4Ta0.6O12",
    "Li6.25Al0.25La3Zr2O12",
    "Li1.3Al0.3Ti1.7P3O12",
    "Li3PS3O",
    "Li3PO4",
    "Li10GeP2S12",
    "Na3PS4",
    "Li0.35La0.55TiO3",
    "Xx",
    "",
]


def _counting(monkeypatch) -> list[int]:
    """The rows whose oxidation states the corrections merge (``merged_anions``), per call."""
    calls: list[int] = []
    merged = candidate_enthalpy.merged_anions

    def counted(packed):
        calls.append(len(packed))
        return merged(packed)

    monkeypatch.setattr(candidate_enthalpy, "merged_anions", counted)
    candidate_enthalpy._RECENT.clear()
    return calls


def test_the_window_takes_the_corrections_the_moisture_descriptors_worked_out(monkeypatch):
    """One screening batch: the air-stability model's moisture descriptors, then the window on the
    same carrier-balanced rows. The corrections are worked out once, and both featurizers give what
    they give alone."""
    moisture = MoistureChemistry(["rxn_h2o_ev_per_atom", "rxn_co2_ev_per_atom"])
    window = ElectrochemicalWindow(max_uncertainty_v=np.inf)
    balanced = carrier_balanced(pack_compositions(BATCH), "Li")[0]  # as screen's objectives
    candidate_enthalpy._RECENT.clear()
    want_moisture = moisture.transform(BATCH)
    candidate_enthalpy._RECENT.clear()
    want_window = window.transform(balanced)
    calls = _counting(monkeypatch)
    got_moisture = moisture.transform(BATCH)
    got_window = window.transform(balanced)
    assert len(calls) == 1
    assert got_moisture.tobytes() == want_moisture.tobytes()
    assert got_window.tobytes() == want_window.tobytes()


def test_every_stack_gets_the_corrections_of_the_rows_alone():
    """A row's correction is its own composition's: each row alone, in any caller's stack (water
    or the carrier), with the batch's corrections kept or worked out anew."""
    packed = pack_compositions(BATCH)
    usable = np.flatnonzero(packed.usable_rows()[0])
    table = enthalpy_table("gas")
    for reactant in ({1: 2.0, 8: 1.0}, {3: 1.0}, {}):
        candidate_enthalpy._RECENT.clear()
        stack = stack_systems(packed, usable, reactant, table)
        batch = candidate_enthalpy.candidate_enthalpies(packed, usable, stack, "gas", True)
        kept = candidate_enthalpy.candidate_enthalpies(packed, usable, stack, "gas", True)
        for got, again in zip(batch, kept, strict=True):
            assert got.tobytes() == again.tobytes()
        assert np.isfinite(batch[2]).sum() >= 4  # corrected rows are among them
        for j, row in enumerate(usable):
            one = np.array([row])
            alone = candidate_enthalpy.candidate_enthalpies(
                packed, one, stack_systems(packed, one, reactant, table), "gas", True
            )
            for got, own in zip(batch, alone, strict=True):
                assert got[j : j + 1].tobytes() == own.tobytes()


def test_a_callers_change_to_its_arrays_stays_its_own():
    packed = pack_compositions(BATCH)
    usable = np.flatnonzero(packed.usable_rows()[0])
    stack = stack_systems(packed, usable, {3: 1.0}, enthalpy_table("gas"))
    candidate_enthalpy._RECENT.clear()
    first = candidate_enthalpy.candidate_enthalpies(packed, usable, stack, "gas", True)
    want = [a.copy() for a in first]
    for a in first:
        a[:] = -99.0
    again = candidate_enthalpy.candidate_enthalpies(packed, usable, stack, "gas", True)
    for got, expected in zip(again, want, strict=True):
        assert got.tobytes() == expected.tobytes()
