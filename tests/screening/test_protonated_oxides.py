"""Protonated oxides carry a note, stay out of the promising count and are not stable at Li
(oxaudit O1).

The Li+/H+-exchanged garnets (Li6.5H0.5La3Zr2O12 ... Li0.6H6.4La3Zr2O12), what moist air makes of
LLZO, were screened as ordinary candidates: predicted above LLZO on conductivity and air stability,
the run's only "promising, new" candidates, and Li6HLa3Zr2O12 "stable against the metal" (0 V, no
reaction) because the stabilisation correction put it 0.200 eV/atom below a hull holding LiOH,
which Li reduces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.analysis.row_notes import notes_table, row_notes
from electroscreen.data.compositions import pack_compositions
from electroscreen.data.oxidation import oxidation_states_packed
from electroscreen.data.protic_hydrogen import (
    PROTONATED_OXIDE,
    protic_hydrogen,
    protonated_oxides,
)
from electroscreen.featurizers.thermo.window import REDUCIBLE_CATION, ElectrochemicalWindow
from electroscreen.screening import screen
from electroscreen.screening.run_description import screening_note
from electroscreen.screening.run_summary import (
    LEFT_OUT_METRIC,
    PROMISING_METRIC,
    promising_line,
    review_metrics,
)

EXCHANGED = ["Li6.5H0.5La3Zr2O12", "Li6HLa3Zr2O12", "Li5H2La3Zr2O12", "Li0.6H6.4La3Zr2O12"]
#: protons on oxide ions beside other cations
PROTONATED = [*EXCHANGED, "Li5.9H0.5La3Zr1.4Ta0.6O12", "LiOH", "Li2OHCl"]
#: no protic H on oxide: the parent garnets, a hydride oxide (H-), borohydride and closo-borate
#: (H- on B), an amide (H+ on N), an oxychloride, water alone
NOT_PROTONATED = [
    "Li7La3Zr2O12", "Li6.4La3Zr1.4Ta0.6O12", "Li4H2O", "LiBH4", "Li2B12H12", "LiNH2",
    "Li4BN3H10", "Li3OCl", "H2O",
]  # fmt: skip


def test_protic_hydrogen_and_protonated_oxides_by_the_assigned_states():
    formulas = PROTONATED + NOT_PROTONATED + ["Li2B12H12O7H14"]
    packed = pack_compositions(formulas)
    states = oxidation_states_packed(packed).states
    found = protonated_oxides(packed, states).tolist()
    assert found == [True] * len(PROTONATED) + [False] * len(NOT_PROTONATED) + [True]
    protic = dict(zip(formulas, protic_hydrogen(packed, states).tolist(), strict=True))
    assert protic["Li0.6H6.4La3Zr2O12"] == pytest.approx(6.4)
    assert protic["LiBH4"] == protic["Li4H2O"] == protic["Li2B12H12"] == 0.0
    assert protic["Li4BN3H10"] == pytest.approx(6.0)  # split: 6 H+ on N (no oxide: no note)
    assert protic["Li2B12H12O7H14"] == pytest.approx(14.0)  # split: water's H+, not the cage's


def test_li6hla3zr2o12_is_not_stable_against_the_metal_and_llzo_still_is():
    """The correction, not the table, kept its protons (the LiOH of its hull) from Li: the
    reduction limit is left empty, as for Nb-LLZO; LLZO and Ta-LLZO keep 0 V."""
    formulas = ["Li6HLa3Zr2O12", "Li6.5H0.5La3Zr2O12", "Li7La3Zr2O12", "Li6.4La3Zr1.4Ta0.6O12"]
    window = ElectrochemicalWindow().window(formulas).set_index("formula")
    assert window["status"].tolist() == [REDUCIBLE_CATION] * 2 + ["ok"] * 2
    assert window["window_red_v"].iloc[:2].isna().all()
    assert (window["window_red_v"].iloc[2:] == 0.0).all()
    assert (window["window_ox_v"].iloc[:2] > 3.0).all()  # the oxidation side is kept
    # the plain hull reduces the protons (LiOH + Li -> Li2O + 1/2 H2)
    plain = ElectrochemicalWindow(stabilisation=False).window(formulas[:1])
    assert plain["window_red_v"].iloc[0] > 0.0 and "H2" in plain["red_products"].iloc[0]


@pytest.fixture(scope="module")
def protonated_screen(model_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("protonated")
    pool = folder / "pool.csv"
    formulas = ["Li7La3Zr2O12", *PROTONATED, "Li6.4La3Zr1.4Ta0.6O12", "LiBH4", "Li3OCl"]
    ids = [f"p{i}" for i in range(len(formulas))]
    pd.DataFrame({"id": ids, "formula": formulas}).to_csv(pool, index=False)
    run = dict(tracking_uri=model_store.uri, track=False, progress=False)
    result = screen([pool], folder / "out", **run)
    return formulas, result.results.set_index("candidate_id")


def test_a_screen_notes_exactly_the_protonated_oxides(protonated_screen):
    formulas, results = protonated_screen
    assert (results["status"] == "ok").all()  # screened and ranked, not rejected
    assert results["rank"].notna().all() and results["pred_log10_sigma"].notna().all()
    noted = results["pred_feature_status"].str.contains(PROTONATED_OXIDE, regex=False)
    assert noted.tolist() == [f in PROTONATED for f in formulas]
    row = results.loc[results.index[formulas.index("Li6HLa3Zr2O12")]]
    assert ("composition", "protonated_oxide") in row_notes(row)
    table = notes_table(row)
    assert "degradation product" in table.loc["composition", "meaning"]
    # at the anode: no "stable against the metal" for it, LLZO's kept
    assert np.isnan(row["window_red_v"]) and np.isnan(row["interface_anode_ev_per_atom"])
    assert row["window_status"] == REDUCIBLE_CATION
    llzo = results.loc[results.index[formulas.index("Li7La3Zr2O12")]]
    assert llzo["window_red_v"] == 0.0 and llzo["interface_anode_ev_per_atom"] == 0.0


def test_protonated_oxides_are_left_out_of_the_promising_count(protonated_screen):
    formulas, results = protonated_screen
    frame = results.reset_index()
    frame["pred_log10_sigma"] = -3.0  # every row above both thresholds
    frame["p_air_stable"] = 0.9
    metrics = review_metrics(frame)
    n = len(PROTONATED)
    assert metrics[PROMISING_METRIC] == len(formulas) - n
    assert metrics[LEFT_OUT_METRIC] == n
    line = promising_line(metrics)
    assert line.startswith(f"{len(formulas) - n} promising") and f"{n} more above both" in line
    note = screening_note(["pool.csv"], {"conductivity": "m"}, frame, metrics)
    promising = next(x for x in note.splitlines() if x.startswith("Promising:"))
    assert f"Promising: {len(formulas) - n} with" in promising
    assert f"{n} more above both left out: {PROTONATED_OXIDE}" in promising
    # without the note every row counts, and nothing is said
    bare = review_metrics(frame.drop(columns="pred_feature_status"))
    assert bare[PROMISING_METRIC] == len(formulas) and bare[LEFT_OUT_METRIC] == 0
    assert "left out" not in promising_line(bare)


def test_the_console_names_the_ranks_of_protonated_oxides(protonated_screen):
    from electroscreen.report import ranked_table

    _, results = protonated_screen
    frame = results.reset_index().drop(columns="diverse_rank", errors="ignore")  # every row shown
    caption = str(ranked_table(frame, top=len(frame)).caption)
    line = next(x for x in caption.splitlines() if x.startswith("Protonated oxides"))
    named = line.rsplit("): ", 1)[1].split("; ")
    noted = frame["pred_feature_status"].str.contains(PROTONATED_OXIDE, regex=False)
    assert sorted(named) == sorted(f"rank {int(r)}" for r in frame.loc[noted, "rank"])
