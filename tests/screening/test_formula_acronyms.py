"""An oxide chemist's notation through ``screen`` (oxaudit O12, twenty-eighth session):

- ``LLZO`` failed as "unknown element symbol 'L'", and ``LiPON`` was screened, status ok, as the
  composition Li1P1O1N1: an acronym now names the composition it usually means and is never
  screened (its composition depends on the paper's dopants).
- ``Li7La3Zr2O12+2wt%Al2O3`` failed as "number '2' after '+' without an element": the message now
  says that percentages are not read.
- The ``formula`` of LiOH read ``LiHO``, Li2OHCl ``Li2HOCl``: a hydroxide's H is now written right
  after its O, its composition and predictions unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.formula_acronyms import ACRONYMS
from tests.tiny_models import screen_formula_rows

HINT = "acronyms are not read: write the composition, and the dopants"
#: Acronyms as users type them: id -> (cell, acronym, status).
TYPED = {
    "a1": ("LLZO", "LLZO", "unknown_element"),
    "a2": ("llzo", "LLZO", "unknown_element"),
    "a3": (" LATP ", "LATP", "unknown_element"),  # not "did you mean LaTP?"
    "a4": ("LiPON", "LiPON", "bad_formula"),  # parses as Li1P1O1N1
    "a5": ("LIPON", "LiPON", "unknown_element"),
    "a6": ("LPSCl", "LPSCl", "unknown_element"),
    "a7": ("LIC", "LIC", "unknown_element"),  # not "did you mean LiC?"
    "a8": ("LSnPS", "LSnPS", "unknown_element"),
}
PERCENT = {"p1": "Li7La3Zr2O12+2wt%Al2O3", "p2": "Li7La3Zr2O12 + 2 mol% Al2O3"}
#: Hydroxides written any way -> the formula a chemist writes; and formulas that keep their order.
HYDROXIDES = {
    "h1": ("LiOH", "LiOH"),
    "h2": ("Li2(OH)Cl", "Li2OHCl"),
    "h3": ("Li2ClOH", "Li2OHCl"),
    "h4": ("NaOH", "NaOH"),
    "h5": ("Li6.5H0.5La3Zr2O12", "Li6.5La3Zr2H0.5O12"),  # protonated oxide: as before
    "h6": ("LiH2PO4", "LiPH2O4"),  # acid salt: as before
}


@pytest.fixture(scope="module")
def screened(model_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("oxide_notation")
    rows = {
        **{k: v[0] for k, v in TYPED.items()},
        **PERCENT,
        **{k: v[0] for k, v in HYDROXIDES.items()},
        "n1": "Li2.9PO3.3N0.46",  # what LiPON usually means: screened
        "n2": "LiC",  # a formula spelt like LIC case-folded: not an acronym
        "c1": "Li2OHCl",  # h2, h3 as written the chemist's way
    }
    result = screen_formula_rows(rows, folder, model_store.uri)
    return result.results.set_index("candidate_id")


def test_an_acronym_names_its_composition_and_is_never_screened(screened):
    for key, (_, acronym, status) in TYPED.items():
        row = screened.loc[key]
        assert row["status"] == status, (key, row["status"], row["error"])
        assert f"did you mean {ACRONYMS[acronym]} ({acronym})? {HINT}" in row["error"], row["error"]
        assert np.isnan(row["pred_log10_sigma"]) and pd.isna(row["rank"])
    assert "LaTP" not in screened.loc["a3", "error"] and "LiC?" not in screened.loc["a7", "error"]
    assert "not read as a composition" in screened.loc["a4", "error"]
    # the composition written out is read; a real formula spelt like an acronym is not one
    assert screened.loc["n1", "status"] == "ok" and np.isfinite(
        screened.loc["n1", "pred_log10_sigma"]
    )
    assert HINT not in str(screened.loc["n2", "error"])


def test_a_percentage_is_named_as_not_read(screened):
    for key in PERCENT:
        row = screened.loc[key]
        assert row["status"] == "bad_formula", row["error"]
        assert "weight or mole percentages are not read" in row["error"], row["error"]
        assert "in formula units" in row["error"]


def test_a_hydroxide_is_written_oh_and_keeps_its_composition(screened):
    for key, (_, shown) in HYDROXIDES.items():
        assert screened.loc[key, "formula"] == shown, (key, screened.loc[key, "formula"])
    same = screened.loc[["h2", "h3", "c1"]]
    assert same["status"].eq("ok").all()
    for column in ("pred_log10_sigma", "p_air_stable"):
        values = same[column].to_numpy(dtype=float)
        assert np.isfinite(values).all() and np.allclose(values, values[0], rtol=0, atol=1e-12)
