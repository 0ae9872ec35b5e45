"""The air-stability labels as a candidate table: counts, sources, formula normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Composition

from electroscreen.data import parse_formula
from electroscreen.data.air_stability import (
    AIR_STABILITY_LABELS,
    EXPOSURE_COLUMNS,
    LABEL_COLUMNS,
    RELATIVE_CLAIM,
    LabelFileError,
    excluded_label_rows,
    excluded_summary,
    label_counts,
    labels_path,
    load_air_stability,
    normalise_label_formula,
    sample_modification,
)
from electroscreen.data.candidates import CANDIDATE_COLUMNS
from electroscreen.data.formula import format_formula

#: The package copy as plain CSV: the counts the loader must reproduce (one home: the file itself).
_RAW = pd.read_csv(AIR_STABILITY_LABELS, dtype=str, keep_default_na=False)
#: Named phases / variable compositions in the file that cannot become a composition.
_UNPARSED = {
    "Li3Y1-xInxCl6 (high In, ccp)",
    "Li-stabilised Na-beta-alumina",
    "Li-stabilized Na beta-alumina",
    "lithium phosphorus oxynitride (LiPON) film",
    "Li1+x+yTi2-xAlxSiyP3-yO12 glass-ceramic (LTAP)",
    "Li-ion conducting glass-ceramic plate (composition not given in abstract)",
    "NASICON (Na1+xZr2SixP3-xO12; composition not given in abstract)",
    "Na beta''-alumina",
    "K beta''-alumina",
}
#: Rows measured on a modified sample (coated, surface-fluorinated, a composite with epoxy): kept in
#: the file, excluded from training with status modified_sample.
_MODIFIED = {
    "Li6.5La3Zr1.5Ta0.5O12 (LiF-coated by gas-phase fluorination)",
    "Li6.4Al0.2La3Zr2O12 (surface-fluorinated, LiF shell)",
    "Li3InCl6 (Al2O3 ALD-coated)",
    "Li1.4Al0.4Ge0.2Ti1.4(PO4)3 (composite film with epoxy resin and LiCl)",
    "Li7P2S8Br0.5I0.5 (1-bromopentane-coated)",
}
#: Rows whose source only compares them with a parent or reference (audit_sulfide S1: every O-doped
#: sulfide row read in the twenty-seventh session, 8 of 25, plus 4 sulfide rows whose own note says
#: the claim is relative): the reference each names (``relative_to``); kept in the file, excluded
#: from training with status relative_claim.
_RELATIVE = {
    "90(75Li2S-15P2S5-10P2O5)-10ZnO": "75Li2S-15P2S5-10P2O5",
    "Li3PS3.9O0.1": "Li3PS4",
    "(Li2O)7(Li2S)68(P2S5)25": "(Li2S)75(P2S5)25",
    "Li10Sn0.95P2S11.4O0.5": "Li10SnP2S12",
    "99Li3PS4-1P2O5": "Li3PS4",
    "Li7P2.9Sb0.1S10.75O0.25": "Li7P3S11",
    "(Li2O)7(Li2S)63(P2S5)30": "(Li2S)70(P2S5)30",
    "Li5.5PS4.425O0.075Cl1.5": "Li5.5PS4.5Cl1.5",
    "Li4SnS4": "Li3PS4",  # line 69 (two other Li4SnS4 rows state outcomes and are trained on)
    "Li7P3S11": "Li3PS4",  # line 95
    "Li3.2P0.8Sn0.2S4": "Li3PS4",
    "Li6.1P0.9Sn0.1S5Cl": "Li6PS5Cl",
}
#: The rows the loader must exclude: named phases, modified samples, relative claims (marked in the
#: file: a composition such as Li4SnS4 can have both a relative row and rows it is trained on).
_EXCLUDED = (_RAW["formula"].isin(_UNPARSED | _MODIFIED) | (_RAW["relative_to"] != "")).to_numpy()


def _reduced(amounts: dict[str, float]) -> dict[str, float]:
    total = sum(amounts.values())
    return {k: round(v / total, 9) for k, v in amounts.items()}


def test_package_copy_label_counts_and_columns():
    table = load_air_stability()
    raw = _RAW["verdict"].value_counts().to_dict()
    counts = label_counts(table)
    assert {k: counts[f"rows_{k}"] for k in raw} == raw and counts["rows"] == len(_RAW)
    assert len(_RAW) >= 184 and raw["stable"] >= 33 and raw["unstable"] >= 55
    # distinct compositions: the named phases do not count, a repeated composition counts once
    # however it is written (pymatgen's atomic fractions, to 3 decimals, as the reference)
    parsed = {
        tuple(sorted((el.symbol, round(x, 3)) for el, x in Composition(
            format_formula(normalise_label_formula(f)[0])).fractional_composition.items()))
        for f in _RAW.loc[~_EXCLUDED, "formula"]
    }  # fmt: skip
    assert counts["compositions"] == len(parsed) < counts["rows"]
    written = set(table["formula"])  # e.g. Li2Sc0.667Cl4 and Li3ScCl6: one composition, two rows
    assert {"Li2Sc0.667Cl4", "Li3ScCl6"} <= written
    assert len(parsed) < len({f for f in table.loc[table["status"] == "ok", "formula"]})
    for verdict in ("stable", "moderate", "unstable"):
        assert counts[f"compositions_{verdict}"] <= counts[f"rows_{verdict}"]
    assert list(table.columns[: len(CANDIDATE_COLUMNS)]) == list(CANDIDATE_COLUMNS)
    cols = (
        "verdict", "family", "carrier", "doi", "source_ref", "evidence", "condition", "relative_to"
    )  # fmt: skip
    for col in cols + EXPOSURE_COLUMNS:
        assert col in table
    assert table["candidate_id"].is_unique
    assert (table["source_ref"].str.len() > 0).all()  # every row keeps its source
    assert (table["doi"].str.startswith("10.") | (table["doi"] == "")).all()
    assert table["structure"].isna().all()
    # the literature mixes what it can express as compositions and named phases
    assert set(_RAW["formula"]) >= _UNPARSED
    assert set(_RAW["formula"]) >= _MODIFIED
    assert (table["status"] == "ok").sum() == len(_RAW) - _EXCLUDED.sum()
    bad = table[table["status"] != "ok"]
    assert set(bad["status"]) == {"unparsed_formula", "modified_sample", RELATIVE_CLAIM}
    assert (bad["error"].str.len() > 0).all()
    ok = table[table["status"] == "ok"]
    for formula in ok["formula"]:
        parse_formula(formula)


def test_modified_samples_are_kept_and_excluded_from_training():
    """A LiF-coated Ta- or Al-LLZO was `stable` for the bare garnet (the coating's verdict, audit
    finding 8): such rows keep their composition and source, with status modified_sample and a
    reason naming the file, line and modification; a particle size of the bare material is not a
    modification, nor a dopant note or a glass."""
    from electroscreen.models.tasks import air_stability_targets

    table = load_air_stability()
    modified = table[table["status"] == "modified_sample"]
    assert set(modified["formula_as_written"]) == _MODIFIED
    lif = modified.set_index("formula_as_written").loc[
        "Li6.4Al0.2La3Zr2O12 (surface-fluorinated, LiF shell)"
    ]
    assert lif["formula"] == "Li6.4Al0.2La3Zr2O12" and lif["verdict"] == "stable"
    assert lif["error"].startswith("air_stability.csv row 176 (line 178): ")
    assert "modified sample (surface-fluorinated, shell)" in lif["error"]
    y = air_stability_targets(table).y
    assert np.isnan(y[(table["status"] == "modified_sample").to_numpy()]).all()
    # the bare Al-LLZO of the same source is trained on, and is the composition's only verdict
    same = table[(table["formula"] == "Li6.4Al0.2La3Zr2O12") & (table["status"] == "ok")]
    assert list(same["verdict"]) == ["moderate"]
    kept = (
        "Li7La3Zr2O12 (Al-doped nanofibers, sintered pellet)",
        "Li7La3Zr2O12 (Al-stabilised, Ia-3d)",
        "Li7P3S11 glass-ceramic (70Li2S-30P2S5)",
    )
    assert (table.set_index("formula_as_written").loc[list(kept), "status"] == "ok").all()
    for text in kept:
        assert sample_modification(text) == ""
    assert sample_modification("Li3PS4 (carbon-coated)") == "carbon-coated"
    assert sample_modification("LLZO-PEO composite") == "composite"


def test_relative_claims_are_kept_and_excluded_from_training():
    """An O-doped thiophosphate whose source only says "less H2S than" or "comparable to" its
    parent was a `moderate` label, i.e. air-stable in P(not unstable), and the forest near it
    lifted every trace-O sulfide (audit_sulfide S1). Such rows name the parent in `relative_to`
    and get status relative_claim: kept, with a reason naming the line and the reference, not
    trained on, counted in the loader's summary; rows that state an outcome of their own (an H2S
    amount, a conductivity retention) are trained on."""
    from electroscreen.models.tasks import air_stability_targets

    table = load_air_stability()
    relative = table[table["status"] == RELATIVE_CLAIM].set_index("formula_as_written")
    assert relative["relative_to"].to_dict() == _RELATIVE
    assert set(relative["family"]) == {"oxysulfide", "sulfide"}
    lpso = relative.loc["Li3PS3.9O0.1"]
    assert lpso["formula"] == "Li3PS3.9O0.1" and lpso["verdict"] == "moderate"
    assert lpso["error"] == (
        "air_stability.csv row 20 (line 22): 'Li3PS3.9O0.1': the source only compares it with "
        "Li3PS4 (relative_to), so its 'moderate' verdict is not an exposure outcome of its own"
    )
    y = air_stability_targets(table).y
    assert np.isnan(y[(table["status"] == RELATIVE_CLAIM).to_numpy()]).all()
    assert f"relative_claim {len(_RELATIVE)}" in excluded_summary(table)
    outcome = (  # H2S amounts, a conductivity retention: trained on
        "Li3.12P0.94Bi0.06S3.91O0.09",
        "75Li2S-15P2S5-10P2O5 glass",
        "98(75Li2S-25P2S5)-2P2O5 glass-ceramic",
        "Na3SbP0.2S3.5O0.5",
    )
    rows = table.set_index("formula_as_written").loc[list(outcome)]
    assert (rows["status"] == "ok").all() and (rows["relative_to"] == "").all()


def test_relative_to_is_optional_and_does_not_hide_a_worse_status(tmp_path):
    """A label file without the column reads as before; a row that is not a composition keeps
    status unparsed_formula whatever it names."""
    head = ",".join(LABEL_COLUMNS)
    body = "Li3PS4,sulfide,Li,unstable,e,c,10.1/x,n\n"
    (tmp_path / "old.csv").write_text(f"{head}\n{body}")
    old = load_air_stability(tmp_path / "old.csv")
    assert list(old["status"]) == ["ok"] and list(old["relative_to"]) == [""]
    (tmp_path / "new.csv").write_text(
        f"{head},relative_to\n{body[:-1]},\n"
        "Li3PS3.9O0.1,oxysulfide,Li,moderate,e,c,10.1/x,n,Li3PS4\n"
        "some glass,oxysulfide,Li,moderate,e,c,10.1/x,n,Li3PS4\n"
    )
    new = load_air_stability(tmp_path / "new.csv")
    assert list(new["status"]) == ["ok", RELATIVE_CLAIM, "unparsed_formula"]
    assert "line 3" in new["error"].iloc[1] and "Li3PS4" in new["error"].iloc[1]


def test_package_copy_supersedes_the_shared_seed(data_dir, tmp_path):
    """The shared folder holds the 75-row seed; the project's labels extend it row for row."""
    seed = load_air_stability(data_dir / "air_stability" / "labels.csv")  # a file is read as given
    assert len(seed) == 75 and seed["source"].iloc[0].startswith("labels.csv")
    ours = load_air_stability(data_dir)  # a folder does not switch back to the seed
    assert len(ours) == len(_RAW) > 75
    same = ["formula", "verdict", "source_ref", "formula_normalisation"]
    assert ours[same].iloc[:75].equals(seed[same])
    # the seed has no relative_to column: its rows the package copy marks as relative claims
    # (audit_sulfide S1) are ok there; every other status is the same
    relative = (ours["status"].iloc[:75] == "relative_claim").to_numpy()
    assert relative.sum() == 4 and (seed["status"][relative] == "ok").all()
    assert ours["status"].iloc[:75][~relative].equals(seed["status"][~relative])


def test_a_label_path_that_does_not_exist_is_an_error(data_dir, tmp_path):
    """A mistyped label file fell back to the package copy without a word."""
    missing = tmp_path / "my_labels.csv"
    with pytest.raises(FileNotFoundError, match="my_labels.csv is neither a label file nor"):
        load_air_stability(missing)
    with pytest.raises(FileNotFoundError, match="nonexistent"):
        labels_path("/nonexistent/dir")
    assert (
        labels_path(None) == labels_path(data_dir) == labels_path(tmp_path) == AIR_STABILITY_LABELS
    )
    assert labels_path(data_dir / "air_stability" / "labels.csv").name == "labels.csv"


def test_exposure_fields_are_numbers_where_given():
    table = load_air_stability()
    assert table["dew_point_c"].dtype == float and table["rh_percent"].dtype == float
    humid = table[table["dew_point_c"] == 18.0]
    assert len(humid) == 8 and set(humid["verdict"]) == {"stable", "moderate"}
    given = table[["rh_percent", "dew_point_c", "duration_h"]].notna().any(axis=1)
    raw_given = (_RAW[["rh_percent", "dew_point_c", "duration_h"]] != "").any(axis=1)
    assert given.sum() == raw_given.sum() >= 44  # about half the rows say how harsh the test was
    lpsgc = table.set_index("formula_as_written").loc["Li7P3S11 glass-ceramic (70Li2S-30P2S5)"]
    assert (lpsgc["rh_percent"], lpsgc["duration_h"]) == (45.0, 1.0)
    assert lpsgc["measured_quantity"] == "H2S cm3/g" and lpsgc["measured_value"] == "1.375"


def test_bad_rows_are_reported_with_row_number_and_excluded(tmp_path, caplog):
    from electroscreen.models.tasks import air_stability_targets

    path = tmp_path / "labels.csv"
    path.write_text(
        "formula,family,carrier,verdict,evidence,condition,source,note\n"
        "Li3PS4,sulfide,Li,unstable,e,c,10.1/x,n\n"
        "Li3Qq4,sulfide,Li,unstable,e,c,10.1/x,n\n"
        "Li3PO4,oxide,Li,fine,e,c,10.1/x,n\n"
        "Li3InCl6,halide,Li,Moderate,e,c,10.1/x,n\n"
    )
    with caplog.at_level("WARNING", logger="electroscreen.data.air_stability"):
        table = load_air_stability(path)
    assert list(table["status"]) == ["ok", "unparsed_formula", "bad_verdict", "ok"]
    assert table["error"].iloc[1].startswith("labels.csv row 1 (line 3): 'Li3Qq4'")
    assert table["error"].iloc[2].startswith("labels.csv row 2 (line 4): verdict")
    assert "'fine'" in table["error"].iloc[2]
    bad = excluded_label_rows(table)
    assert list(bad["source"]) == ["labels.csv:line 3", "labels.csv:line 4"]
    assert caplog.messages == [
        "air-stability labels: 2 rows excluded from training: labels.csv lines 3, 4 "
        "(unparsed_formula 1, bad_verdict 1); excluded_label_rows() gives each reason"
    ]  # one line, however many rows
    y = air_stability_targets(table).y
    assert y[0] == 0.0 and y[3] == 1.0 and np.isnan(y[1]) and np.isnan(y[2])
    with pytest.raises(FileNotFoundError, match="labels.missing"):  # not the package copy
        load_air_stability(path.with_suffix(".missing"))


def test_a_label_file_without_the_required_columns_names_the_file_and_columns(tmp_path):
    """``id,formula,verdict`` ended in ``AttributeError: 'Pandas' object has no attribute
    'source'``."""
    path = tmp_path / "mine.csv"
    path.write_text("id,formula,verdict\nx,Li3PS4,stable\n")
    with pytest.raises(LabelFileError) as caught:
        load_air_stability(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: label file lacks required column(s) family, carrier")
    assert "it has id, formula, verdict" in message
    lacking = message.split("column(s) ")[1].split(" (")[0].split(", ")
    assert lacking == [c for c in LABEL_COLUMNS if c not in ("formula", "verdict")]
    path.write_bytes(b"")  # not CSV at all
    with pytest.raises(LabelFileError, match="mine.csv: not a label CSV"):
        load_air_stability(path)
    # the required columns alone are enough: the exposure fields stay optional
    path.write_text(",".join(LABEL_COLUMNS) + "\nLi3PS4,s,Li,stable,e,c,10.1/x,n\n")
    table = load_air_stability(path)
    assert list(table["status"]) == ["ok"] and np.isnan(table["rh_percent"].iloc[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(Li2S)75(P2S5)25 + 20 mol% LiI", "Li7P2S8I"),
        ("Li7P3S11 glass (70Li2S-30P2S5)", "Li7P3S11"),
        ("67Li2S-33P2S5 glass", "Li134P66S232"),
        ("90(75Li2S-15P2S5-10P2O5)-10ZnO", "Li135P45S135O55Zn10"),
        ("Li6PS5Cl-0.05SnI4", "Li6PS5ClSn0.05I0.2"),
        ("Zn0.05-doped Li7P2S8Br0.2I0.8", "Li7P2S8Br0.2I0.8Zn0.05"),
        ("Li7La3Zr2O12 (Al-stabilised, Ia-3d)", "Li7La3Zr2O12"),
        ("Na4(B12H12)(B10H10)", "Na4B22H22"),
        ("K beta-alumina", "KAl11O17"),
    ],
)
def test_normalise_label_formula(text, expected):
    amounts, how = normalise_label_formula(text)
    assert _reduced(amounts) == pytest.approx(_reduced(parse_formula(expected)))
    assert how


def test_unreadable_formulas_are_kept_with_a_reason():
    for text in (
        "Li3Y1-xInxCl6 (high In, ccp)",
        "Li-stabilised Na-beta-alumina",
        "Na beta''-alumina",  # Li- or Mg-stabilised: the formula depends on which
    ):
        amounts, how = normalise_label_formula(text)
        assert amounts is None and how.startswith("not a composition")


def test_task_table_uses_the_loader():
    from electroscreen.models.tasks import air_stability_targets, load_task_table

    table = load_task_table("air_stability")
    assert len(table) == len(_RAW)
    targets = air_stability_targets(table)
    unstable_ok = (_RAW["verdict"] == "unstable") & ~_RAW["formula"].isin(_UNPARSED)
    assert int((targets.y == 0).sum()) == int(unstable_ok.sum())
