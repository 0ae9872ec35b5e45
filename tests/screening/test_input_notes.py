"""How a halide chemist's inputs are read (halaudit, twenty-eighth session), through ``screen``:

- M2: a composite written with a ternary unit (``Li3YCl6 + LiCl``, ``Li3InCl6-LiCl``) was screened
  as the new compound Li4YCl7, status ok, without a word: it is now noted
  ``input:formula:composite_notation``, its prediction kept.
- L1: ``li3ycl6``, ``LI3YCL6``, ``Li3YCl₆``, ``Li3InCl6 (annealed)`` and ``Li3YCl6-xBrx`` failed with
  messages that did not help.
- L2: ``export --top`` listed one composition written two ways twice, neither a duplicate.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.tiny_models import screen_formula_rows

COMPOSITE = "input:formula:composite_notation"
MIXTURE = "input:formula:mixture_notation"
#: Sums with a ternary (or larger) unit: composites and two-phase samples.
COMPOSITES = {
    "c1": "Li3YCl6 + LiCl",
    "c2": "Li3YCl6-LiCl",
    "c3": "Li3InCl6-LiCl",  # no other Li-In-Cl row: its own chemistry, exported by --diverse
    "c4": "0.9Li3YCl6-0.1LiCl",
    "c5": "Li3PS4·2LiI",
}
#: Rows that are not composites: binaries alone (the glass notation), single compounds, an
#: exponent's '-'.
OTHERS = {
    "m1": "3LiCl-YCl3",
    "m2": "75Li2S-25P2S5",
    "s1": "Li3YCl6",
    "s2": "Li3YBr3Cl3",
    "s3": "Li3YCl3Br3",
    "s4": "Cl6Li3Y",
    "s5": "Li6Y2Cl12",
    "s6": "Li3YCl₆",  # Unicode subscript six, pasted from a paper
}
#: Formulas a chemist types that do not parse, with what their error must say.
TYPED = {
    "t1": ("li3ycl6", "unknown_element", "did you mean Li3YCl6?"),
    "t2": ("LI3YCL6", "unknown_element", "did you mean Li3YCl6?"),
    "t3": ("Li3InCl6 (annealed)", "unknown_element", "text after the formula: '(annealed)'"),
    "t4": ("Li3YCl6-xBrx", "unknown_element", "variables must be given numbers"),
    "t5": ("Li3-xY1-xZrxCl6", "bad_formula", "variables must be given numbers"),
    "t6": ("li2co3", "unknown_element", "did you mean Li2CO3?"),
}


def test_a_sum_with_a_ternary_unit_is_a_composite_and_the_hyphen_edge_cases_are_not():
    from electroscreen.data.formula_units import written_as_composite, written_as_mixture

    assert all(written_as_composite(f) for f in COMPOSITES.values())
    assert not any(written_as_mixture(f) for f in COMPOSITES.values())
    others = [*OTHERS.values(), "Li3InCl6·2H2O", "Li3InCl6-2H2O", "Li1e-3YCl6", "Li3YCl6-xBrx"]
    assert not any(written_as_composite(f) for f in others), others
    assert written_as_composite("(Li3YCl6)0.5(LiCl)0.5")  # bracket groups alone
    assert written_as_composite("Li3YCl₆ + LiCl")


@pytest.fixture(scope="module")
def screened(model_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("halide_inputs")
    rows = {**COMPOSITES, **OTHERS, **{k: v[0] for k, v in TYPED.items()}, "h1": "Li3InCl₆·2H₂O"}
    result = screen_formula_rows(rows, folder, model_store.uri)
    return folder / "out", result.results.set_index("candidate_id")


def test_a_composite_is_noted_and_keeps_its_prediction(screened):
    _, results = screened
    notes = results["pred_feature_status"].fillna("")
    assert results.loc[list(COMPOSITES), "status"].eq("ok").all()
    assert results.loc[["c1", "c2"], "formula"].eq("Li4YCl7").all()
    assert np.isfinite(results.loc[list(COMPOSITES), "pred_log10_sigma"]).all()
    assert results.loc[list(COMPOSITES), "rank"].notna().all()
    noted = notes.str.contains(COMPOSITE, regex=False)
    assert sorted(results.index[noted]) == sorted(COMPOSITES)
    mixed = notes.str.contains(MIXTURE, regex=False)
    assert sorted(results.index[mixed]) == ["m1", "m2"]  # the glass notation keeps its own note


def test_the_card_and_the_diverse_export_show_the_composite_note(screened, data_dir, tmp_path):
    from electroscreen.analysis.candidate_card import candidate_card
    from electroscreen.analysis.export import export_shortlist

    out, results = screened
    card = candidate_card(results.reset_index(), "c1", k=1, bvse=False, data_dir=data_dir)
    notes = card.sections()["Notes"]
    assert "composite_notation" in notes["note"].tolist()
    meaning = notes.loc[notes["note"] == "composite_notation", "meaning"].iloc[0]
    assert "Li3YCl6 + LiCl" in meaning and "single phase" in meaning
    shortlist = export_shortlist(out, tmp_path / "div", top=50, diverse=True).shortlist
    row = shortlist.set_index("candidate_id").loc["c3"]  # Li4InCl7, alone in its chemistry
    assert COMPOSITE in row["pred_feature_status"]


def test_typed_formulas_get_messages_that_help_and_keep_their_status(screened):
    _, results = screened
    for key, (written, status, says) in TYPED.items():
        row = results.loc[key]
        assert row["status"] == status, (written, row["status"], row["error"])
        assert says in row["error"], (written, row["error"])
    assert "Li2Co3" not in results.loc["t6", "error"]  # the reading that does not balance
    assert "did you mean" not in results.loc["t3", "error"]


def test_unicode_subscript_digits_read_as_digits(screened):
    _, results = screened
    pasted, typed = results.loc["s6"], results.loc["s1"]
    assert pasted["status"] == "ok" and pasted["formula"] == "Li3YCl6"
    for column in (
        "pred_log10_sigma",
        "pred_log10_sigma_lo",
        "pred_log10_sigma_hi",
        "p_air_stable",
    ):
        assert pasted[column] == typed[column], column
    assert results.loc["h1", "status"] == "hydrate"  # Li3InCl₆·2H₂O: still a hydrate


def test_export_marks_one_composition_written_two_ways_as_a_duplicate(screened, tmp_path):
    from electroscreen.analysis.export import export_shortlist

    out, results = screened
    shortlist = export_shortlist(out, tmp_path / "top", top=100).shortlist.set_index("candidate_id")
    for group in (["s2", "s3"], ["s1", "s4", "s5", "s6", "m1"]):
        listed = shortlist.loc[group].sort_values("rank")
        best, rest = listed.index[0], list(listed.index[1:])
        assert listed.loc[best, "structure_status"] == "formula_only", group
        assert listed.loc[rest, "structure_status"].eq("duplicate").all(), group
        assert listed.loc[rest, "duplicate_of"].eq(best).all(), group
        assert sorted(listed.loc[best, "duplicates"].split(";")) == sorted(rest), group
    single = shortlist.loc[["c3", "c5"], "structure_status"]
    assert single.eq("formula_only").all()  # compositions listed once stay formula-only
