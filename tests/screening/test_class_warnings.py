"""``screen`` warns where its conductivity model's held-out errors are poor on a class of the ranked
candidates (issue 16: the halides), on stderr, in ``OUT/model_warnings.txt`` and on the MLflow run;
nothing for other classes, and nothing from a model without the record."""

from __future__ import annotations

import copy
import pickle

import pandas as pd
import pytest
from mlflow import MlflowClient

from electroscreen.experiments.pyfunc import load_predictor
from electroscreen.models.heldout_classes import ATTRIBUTE
from electroscreen.screening.class_warnings import WARNINGS_FILE, WARNINGS_TAG, class_warnings
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import load_screening_config

#: Held-out figures as ``train`` keeps them: halides past both thresholds; chalcogenides just under
#: the error threshold, oxides well inside; no "other" figures.
RECORD = {
    "scheme": "family_cv",
    "interval": 0.9,
    "classes": {
        "halide": {"rows": 23, "coverage": 0.696, "mean_error": -1.69, "mae": 2.78},
        "chalcogenide": {"rows": 40, "coverage": 0.88, "mean_error": -0.99, "mae": 1.31},
        "oxide": {"rows": 120, "coverage": 0.91, "mean_error": 0.12, "mae": 0.95},
    },
}
HALIDE_WORDS = (
    "on held-out families the conductivity model covered 70 % of halide rows with its 90 % "
    "intervals and predicted 1.7 decades too low on average (mean absolute error 2.8 decades; "
    "23 rows, family_cv)"
)
#: The halides of ``tests/screening/conftest.py:POOL_FORMULAS`` that pass the filters (training
#: compositions of the tiny models: measured) and two doped ones no conductivity data hold.
HALIDES = {"Li3YCl6", "Li3InCl6", "Li2.9Y0.9Zr0.1Cl6", "Li2.9Zr0.1In0.9Cl6"}  # as written


def _conductivity_predictors():
    from electroscreen.screening import batch

    return [p for p in list(batch._CACHE.values()) if p.task == "conductivity"]


def test_screen_warns_on_the_ranked_halides_only(model_store, formula_pool, tmp_path, monkeypatch):
    pool = pd.read_csv(formula_pool)
    doped = pd.DataFrame(
        {"id": ["d1", "d2"], "formula": ["Li2.9Y0.9Zr0.1Cl6", "Li2.9In0.9Zr0.1Cl6"]}
    )
    formula_pool = tmp_path / "pool_doped.csv"
    pd.concat([pool, doped, doped.assign(id=["d3", "d4"])]).to_csv(formula_pool, index=False)
    run = dict(config=load_screening_config(batch_size=10), tracking_uri=model_store.uri)
    plain = screen([formula_pool], tmp_path / "plain", track=False, progress=False, **run)
    assert plain.class_warnings == []  # the tiny model evaluated no family scheme: no record
    assert not (tmp_path / "plain" / WARNINGS_FILE).exists()
    for predictor in _conductivity_predictors():  # the model screen loaded, with figures injected
        monkeypatch.setattr(predictor, ATTRIBUTE, RECORD, raising=False)
    said: list[str] = []
    result = screen([formula_pool], tmp_path / "out", progress=False, log=said.append, **run)
    ranked = result.results[result.results["rank"].notna()]
    unmeasured = ranked[ranked["train_id"].eq("") & ranked["heldout_id"].eq("")]
    halides = int(unmeasured["formula"].isin(HALIDES).sum())
    assert halides == 4 and len(ranked) > halides  # the doped two, twice; Li3YCl6 ... measured
    line = (
        f"{halides} of {len(ranked)} ranked candidates are halides not measured in the model's "
        f"data; {HALIDE_WORDS}"
    )
    assert result.class_warnings == [line]  # ranked chalcogenides and oxides: below the thresholds
    assert [s for s in said if "ranked candidates are" in s] == [f"warning: {line}"]
    assert (tmp_path / "out" / WARNINGS_FILE).read_text() == f"warning: {line}\n"
    logged = MlflowClient(tracking_uri=model_store.uri).get_run(result.run_id).data.tags
    assert logged[WARNINGS_TAG] == f"warning: {line}"
    assert line in logged["mlflow.note.content"]
    # the same folder screened by a model without the record (pickled before it): no warning,
    # and the earlier file goes with the results it described
    for predictor in _conductivity_predictors():
        monkeypatch.delattr(predictor, ATTRIBUTE)
    again = screen([formula_pool], tmp_path / "out", track=False, progress=False, fresh=True, **run)
    assert again.class_warnings == [] and not (tmp_path / "out" / WARNINGS_FILE).exists()
    assert len(again.results) == len(result.results)


def _ranked(
    formulas: list[str], ranks: list[int | None], train_ids: list[str] | None = None
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "formula": formulas,
            "rank": pd.array(ranks, dtype="Int64"),
            "status": "ok",
            "train_id": train_ids or [""] * len(formulas),
            "heldout_id": "",
        }
    )


def _line(count: int, ranked: int, words: str = "are halides") -> str:
    return f"{count} of {ranked} ranked candidates {words} not measured in the model's data; "


@pytest.fixture(scope="module")
def predictor(model_store):
    return load_predictor(model_store.conductivity, model_store.uri)


def test_only_the_ranked_candidates_of_a_poor_class_count(predictor):
    model = copy.copy(predictor)
    setattr(model, ATTRIBUTE, RECORD)
    # a poor class with no ranked candidate says nothing; an unranked halide does not count
    oxides = _ranked(["Li7La3Zr2O12", "Li3PS4", "Li3YCl6"], [1, 2, None])
    assert class_warnings(oxides, model) == []
    pool = _ranked(
        ["Li7La3Zr2O12", "Li3ScCl6", "Li3PS4", "Li3YCl6", "LiNbOCl4"], [1, 2, 3, 4, None]
    )
    assert class_warnings(pool, model) == [_line(2, 4) + HALIDE_WORDS]
    one = _ranked(["Li3YCl6", "Li7La3Zr2O12"], [1, 2])
    assert class_warnings(one, model) == [_line(1, 2, "is a halide") + HALIDE_WORDS]
    wide = _ranked(["Li3YCl6"] * 1500 + ["Li7La3Zr2O12"] * 500, list(range(1, 2001)))
    assert class_warnings(wide, model)[0].startswith(_line("1,500", "2,000"))
    # a measured halide (a training composition, its value beside its prediction) does not count
    known = _ranked(["Li3YCl6", "Li3InCl6", "Li7La3Zr2O12"], [1, 2, 3], ["t7", "", ""])
    assert class_warnings(known, model) == [_line(1, 3, "is a halide") + HALIDE_WORDS]
    measured = _ranked(["Li3YCl6", "Li7La3Zr2O12"], [1, 2], ["t7", ""])
    assert class_warnings(measured, model) == []


def test_a_model_pickled_without_the_record_gives_no_warning(predictor):
    old = copy.copy(predictor)
    if hasattr(old, ATTRIBUTE):
        delattr(old, ATTRIBUTE)
    loaded = pickle.loads(pickle.dumps(old))  # as an older model file unpickles
    assert not hasattr(loaded, ATTRIBUTE)
    assert class_warnings(_ranked(["Li3YCl6", "Li3InCl6"], [1, 2]), loaded) == []
