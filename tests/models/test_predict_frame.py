"""``CandidatePredictor.predict_frame`` on rows a caller passes one by one (pyfunc, ``serve``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.experiments.pyfunc import input_example
from electroscreen.models.predictor import CandidatePredictor


@pytest.fixture(scope="module")
def fractions_model(conductivity_table) -> CandidatePredictor:
    """Ten extra trees on element fractions, fitted on the OBELiX train rows."""
    train = conductivity_table[conductivity_table["split"] == "train"]
    return CandidatePredictor(
        featurizers=("element_fractions",),
        estimator="extra_trees",
        estimator_params={"n_estimators": 10, "n_jobs": 1},
    ).fit(train)


def test_a_formula_that_is_not_its_structure_is_formula_mismatch(fractions_model):
    """A pyfunc row with formula Li3PS4 and the CIF of LiCl was predicted from whichever input each
    featurizer read; the table readers refuse such a row, and now so does ``predict_frame``."""
    licl = input_example()["structure"].iloc[1]
    model = fractions_model
    frame = pd.DataFrame(
        {
            "formula": ["LiCl", "Li3PS4", None, "Li2Cl2", "Li3PS4"],
            "structure": [licl, licl, licl, licl, None],
        }
    )
    out = model.predict_frame(frame)
    assert out["pred_status"].tolist() == ["ok", "formula_mismatch", "ok", "ok", "ok"]
    assert np.isnan(out["pred_log10_sigma"].iloc[1])
    assert out["pred_log10_sigma"].iloc[0] == out["pred_log10_sigma"].iloc[2]
    # training reads its own table as it is (OBELiX's CIFs are often of a parent compound)
    assert model.featurize(frame).status.tolist()[1] == "ok"


def test_remember_heldout_keeps_the_measurements_it_was_not_fitted_on(conductivity_table):
    from electroscreen.data.compositions import pack_compositions
    from electroscreen.models.training_rows import HELDOUT_COLUMNS

    model = CandidatePredictor(featurizers=("element_fractions",), estimator="extra_trees")
    with pytest.raises(ValueError, match="fitted"):
        model.remember_heldout(conductivity_table)
    split = conductivity_table["split"]
    model.set_params(estimator_params={"n_estimators": 5, "n_jobs": 1})
    model.fit(conductivity_table[split == "train"])
    assert model.heldout_rows_ is None
    test = conductivity_table[split == "test"]
    model.remember_heldout(test)
    found = model.heldout_rows_.lookup(
        pack_compositions(["Li3InCl6", "Li7La3Zr2O12"]), HELDOUT_COLUMNS
    )
    assert found["heldout_id"].iloc[0] == "de5" and np.isfinite(
        found["heldout_log10_sigma"].iloc[0]
    )
    # the predictions do not change
    frame = test[["formula"]].head(20)
    before = model.predict_frame(frame)
    model.heldout_rows_ = None
    pd.testing.assert_frame_equal(model.predict_frame(frame), before)


def test_a_row_with_a_structure_is_read_from_its_cell_as_screen_reads_it(fractions_model, data_dir):
    """An ML engineer's audit: pyfunc with formula Li3InCl6 and OBELiX's de5.cif (In2.03 per cell)
    predicted from the formula, while ``screen`` of the same CIF, or of a table row holding both,
    reads the cell: two answers for one input. Now the cell is read whenever a structure is given
    (the formula is only checked against it); training still reads its own table as written."""
    from electroscreen.data.obelix import load_obelix_structures

    cif = load_obelix_structures(data_dir)["de5"]
    model = fractions_model
    both = pd.DataFrame({"formula": ["Li3InCl6", None], "structure": [cif, cif]})
    cell = pd.DataFrame({"formula": ["Li3In1.015Cl6"]})  # the cell, Li6In2.03Cl12, reduced
    out, by_cell = model.predict_frame(both), model.predict_frame(cell)
    assert out["pred_status"].tolist() == ["ok", "ok"]
    for column in ("pred_log10_sigma", "pred_log10_sigma_novelty"):
        assert out[column].iloc[0] == out[column].iloc[1] == by_cell[column].iloc[0]
    as_written = model.predict_frame(pd.DataFrame({"formula": ["Li3InCl6"]}))
    assert as_written["pred_log10_sigma_novelty"].iloc[0] != by_cell["pred_log10_sigma_novelty"][0]
    X_train_reads = model.featurize(both).X  # training's reading: the formula as written
    assert not np.array_equal(X_train_reads[0], X_train_reads[1])


def test_pyfunc_writes_the_formula_screen_writes_for_the_same_rows(fractions_model, data_dir,
                                                                     tmp_path):  # fmt: skip
    """An ML engineer's audit: pyfunc's ``formula`` was ``""`` for a structure-only row and for a
    formula that does not parse, where ``screen`` writes the structure's formula and the text as
    read. Now both take it from one rule (``data.cell_units.candidate_formulas``): the same rows
    as a table with a ``cif`` column give the same ``formula`` column. A missing formula in a
    ``string`` column (pandas' NA) is ``empty_formula`` in both."""
    from electroscreen.data.obelix import load_obelix_structures
    from electroscreen.experiments.pyfunc import CandidatePredictorModel
    from electroscreen.screening.inputs import iter_batches, materialize, plan_inputs

    licl = input_example()["structure"].iloc[1]
    de5 = load_obelix_structures(data_dir)["de5"]  # Li6In2.03Cl12: no round reduction
    broken = "data_x\n_cell_length_a 3\n"
    rows = pd.DataFrame(
        {
            "formula": pd.Series(
                ["Li20Ge2P4S24", "LiXx2", "Li-1Cl", None, None, "Li3PS4", "Li3InCl6",
                 "Li2B12H12", None, "Li3PS4"],
                dtype="string",
            ),
            "structure": [None, None, None, licl, de5, licl, de5, None, None, broken],
        }
    )  # fmt: skip
    wrapper = CandidatePredictorModel()
    wrapper.predictor = fractions_model
    out = wrapper.predict(None, rows)
    expected = ["Li10GeP2S12", "LiXx2", "Li-1Cl", "LiCl", "Li3In1.015Cl6", "LiCl",
                "Li3In1.015Cl6", "Li2B12H12", "", "Li3PS4"]  # fmt: skip
    assert out["formula"].tolist() == expected
    assert out["pred_status"].tolist() == [
        "ok", "unknown_element", "bad_formula", "ok", "ok", "formula_mismatch", "ok", "ok",
        "empty_formula", "structure_parse_error",
    ]  # fmt: skip
    table = tmp_path / "rows.parquet"
    rows.rename(columns={"structure": "cif"}).to_parquet(table)
    screened = pd.concat(
        [materialize(batch)[0] for batch in iter_batches(plan_inputs([table]), 4)],
        ignore_index=True,
    )
    assert screened["formula"].tolist() == expected
    assert screened["status"].iloc[8] == "empty_formula"
    # one name for a CIF neither reads (pyfunc's was structure_parse_error, screen's parse_error)
    assert screened["status"].iloc[9] == out["pred_status"].iloc[9] == "structure_parse_error"


def test_pyfunc_refuses_the_structures_screen_refuses(fractions_model, tmp_path, monkeypatch):
    """An audit: pyfunc predicted a CIF whose atoms overlap and one of more sites than
    ``max_sites``, which ``screen`` refuses (``overlapping_atoms``, ``too_many_sites``). Now a
    pyfunc row's structure goes through the readers' checks (``data.readers.structure_record``):
    the same status and ``formula`` as the same rows in a table's ``cif`` column, no prediction,
    and its structures are packed once (they were packed for the formulas and again for the
    features)."""
    import electroscreen.experiments.pyfunc as pyfunc
    import electroscreen.experiments.pyfunc_input as pyfunc_input
    import electroscreen.models.featurize as featurize
    from electroscreen.data.limits import DEFAULT_MAX_SITES
    from electroscreen.screening.inputs import iter_batches, materialize, plan_inputs
    from tests.data.test_headers import cif_text

    licl = input_example()["structure"].iloc[1]
    last = "  Cl4  Cl  0.5  0.5  0.5  1\n"
    overlap = licl.replace(last, last + "  Li5  Li  0.02  0.0  0.0  1\n")  # 0.1 A from Li1
    big = cif_text(DEFAULT_MAX_SITES + 1, a=50.0)
    rows = pd.DataFrame(
        {"formula": ["LiCl", None, None, "LiCl"], "structure": [licl, overlap, big, licl]}
    )
    packs = []
    for module in (pyfunc_input, featurize):
        original = module.pack_structures
        monkeypatch.setattr(
            module,
            "pack_structures",
            lambda s, *a, f=original, **k: packs.append(1) or f(s, *a, **k),
        )
    wrapper = pyfunc.CandidatePredictorModel()
    wrapper.predictor = fractions_model
    out = wrapper.predict(None, rows)
    assert len(packs) == 1
    assert out["pred_status"].tolist() == ["ok", "overlapping_atoms", "too_many_sites", "ok"]
    assert out["pred_log10_sigma"].isna().tolist() == [False, True, True, False]
    assert out["pred_log10_sigma"].iloc[0] == out["pred_log10_sigma"].iloc[3]
    table = tmp_path / "rows.parquet"
    rows.rename(columns={"structure": "cif"}).to_parquet(table)
    screened = pd.concat(
        [materialize(batch)[0] for batch in iter_batches(plan_inputs([table]), 4)],
        ignore_index=True,
    )
    assert screened["status"].tolist() == out["pred_status"].tolist()
    assert screened["formula"].tolist() == out["formula"].tolist() == ["LiCl", "Li5Cl4", "", "LiCl"]
    # a pymatgen Structure passed in process is checked alike
    from pymatgen.core import Structure

    objects = rows.iloc[:2].assign(
        structure=[Structure.from_str(c, fmt="cif") for c in rows["structure"][:2]]
    )
    assert wrapper.predict(None, objects)["pred_status"].tolist() == ["ok", "overlapping_atoms"]


def test_a_misnamed_formula_column_is_read_as_a_table_file_reads_it(fractions_model):
    """``predict_frame(pd.DataFrame({"Formula": [...]}))`` gave every row ``empty_formula``,
    silently; a table file matches its headers whatever their case and surrounding spaces, and so
    does a frame now."""
    expected = fractions_model.predict_frame(pd.DataFrame({"formula": ["Li3YCl6", "LiCl"]}))
    for name in ("Formula", " FORMULA ", "Composition"):
        out = fractions_model.predict_frame(pd.DataFrame({name: ["Li3YCl6", "LiCl"]}))
        assert out["pred_status"].tolist() == ["ok", "ok"], name
        assert np.allclose(out["pred_log10_sigma"], expected["pred_log10_sigma"]), name


def test_a_frame_without_a_formula_or_structure_column_is_a_clear_error(fractions_model):
    frame = pd.DataFrame({"formulae": ["Li3YCl6"], "T": [25]})
    with pytest.raises(ValueError, match=r"found columns \['formulae', 'T'\].*'formula'"):
        fractions_model.predict_frame(frame)
    with pytest.raises(TypeError, match="expected a DataFrame"):
        fractions_model.predict_frame(["Li3YCl6"])


def _small_train_model(conductivity_table, featurizer: str):
    """The OBELiX train rows and a 10-tree extra-trees model fitted on them with ``featurizer``."""
    train = conductivity_table[conductivity_table["split"] == "train"]
    model = CandidatePredictor(
        featurizers=(featurizer,),
        estimator="extra_trees",
        estimator_params={"n_estimators": 10, "n_jobs": 1},
    ).fit(train)
    return train, model


def test_a_composition_is_predicted_the_same_however_it_is_written(conductivity_table):
    """``electrolyte``'s ``Li_count`` was per formula as written, so LLZO, its double and its garnet
    cell got three predictions and three novelties; a model fitted now counts per reduced formula
    unit, and a model pickled before keeps the features it was fitted on."""
    import pickle

    from electroscreen.featurizers.composition.electrolyte import ElectrolyteComposition

    train, model = _small_train_model(conductivity_table, "electrolyte")
    spellings = ["Li7La3Zr2O12", "Li14La6Zr4O24", "Li56La24Zr16O96"]
    frame = pd.DataFrame({"formula": spellings})
    out = pickle.loads(pickle.dumps(model)).predict_frame(frame)
    assert out["pred_status"].tolist() == ["ok"] * 3
    assert {"pred_log10_sigma", "pred_log10_sigma_novelty"} <= set(out.columns)
    for column in out.columns.drop(["formula", "pred_status"], errors="ignore"):
        assert out[column].nunique(dropna=False) == 1, column
    # an old pickle (no featurizer_defaults_) featurizes as it was fitted: per formula as written
    state = dict(model.__getstate__())
    del state["featurizer_defaults_"]
    old = CandidatePredictor.__new__(CandidatePredictor)
    old.__setstate__(state)
    as_written = ElectrolyteComposition(count_basis="as_written").transform(spellings)
    np.testing.assert_array_equal(old.featurize(frame).X, as_written)
    assert not np.array_equal(model.featurize(frame).X, as_written)
    # refitted, it takes today's definition
    assert old.fit(train).featurizer_defaults_ == {}
    np.testing.assert_array_equal(old.featurize(frame).X, model.featurize(frame).X)


def test_an_old_pickle_keeps_the_anion_classes_it_was_fitted_with(conductivity_table):
    """The anion class (the interval scale's input) was the first group present, so any halogen
    made a halide; a model fitted now takes the group of largest amount, one pickled before keeps
    its rule, and a refit takes today's."""
    from electroscreen.data.anion_classes import ANION_CLASSES

    train, model = _small_train_model(conductivity_table, "element_fractions")
    frame = pd.DataFrame(
        {"formula": ["Li6PO5Cl", "Li3InCl6", "Li0.33La0.56Ti0.98Al0.02O2.98F0.02"]}
    )
    assert model.anion_rule_ == "majority_nh"
    names = [ANION_CLASSES[c] for c in model.featurize(frame).anion_classes]
    assert names == ["oxide", "halide", "oxide"]
    state = dict(model.__getstate__())
    del state["anion_rule_"]
    old = CandidatePredictor.__new__(CandidatePredictor)
    old.__setstate__(state)
    assert old.anion_rule_ == "first"
    design = old.featurize(frame)
    assert [ANION_CLASSES[c] for c in design.anion_classes] == ["halide", "halide", "halide"]
    assert design.take(np.array([0, 2])).anion_rule == "first"
    assert old.fit(train).anion_rule_ == "majority_nh"


def test_a_model_fitted_before_nitrides_and_hydrides_keeps_its_classes(conductivity_table):
    """One fitted with rule "majority" reads N3- and H- as no anion, as it was fitted: a
    borohydride-iodide and a nitride-iodide take the halide intervals they always had, while a
    model fitted now gives them the "other" indicator (nitride and hydride share it)."""
    from electroscreen.data.anion_classes import ANION_CLASSES

    train = conductivity_table[conductivity_table["split"] == "train"]
    model = CandidatePredictor(
        featurizers=("element_fractions",),
        estimator="extra_trees",
        estimator_params={"n_estimators": 10, "n_jobs": 1},
        conformal_scale="learned_anion",
    ).fit(train)
    mixed = pd.DataFrame({"formula": ["Li4(BH4)3I", "Li7N2I", "Li3N", "Li3InCl6"]})
    before = CandidatePredictor.__new__(CandidatePredictor)
    before.__setstate__(dict(model.__getstate__(), anion_rule_="majority"))
    names = [ANION_CLASSES[c] for c in before.featurize(mixed).anion_classes]
    assert names == ["halide", "halide", "other", "halide"]
    now = [ANION_CLASSES[c] for c in model.featurize(mixed).anion_classes]
    assert now == ["hydride", "nitride", "nitride", "halide"]
    out_before, out_now = before.predict_frame(mixed), model.predict_frame(mixed)
    np.testing.assert_array_equal(out_before["pred_log10_sigma"], out_now["pred_log10_sigma"])
    width = (out_now["pred_log10_sigma_hi"] - out_now["pred_log10_sigma_lo"]).to_numpy()
    width_before = (
        out_before["pred_log10_sigma_hi"] - out_before["pred_log10_sigma_lo"]
    ).to_numpy()
    # Li3N "other" then, nitride now: the same indicator; Li3InCl6 a halide under both rules
    np.testing.assert_allclose(width[2:], width_before[2:])
    coef = model.estimator_.difficulty_.coef_  # ..., chalcogenide, halide, other indicators
    assert coef[-2] != coef[-1]  # so the first two rows' intervals move with the class
    assert (np.abs(width[:2] - width_before[:2]) > 1e-9).all()
