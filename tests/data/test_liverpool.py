"""The Liverpool Ionics Dataset loader, per-composition Arrhenius pooling and the leak guard."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.composition_match import composition_key, match_compositions
from electroscreen.data.liverpool import (
    arrhenius_fit,
    liverpool_compositions,
    liverpool_dir,
    load_liverpool,
    normalise_mixture,
)
from electroscreen.data.liverpool_errata import NOT_THE_MATERIAL_ROWS, excluded_rows
from electroscreen.data.obelix import ObelixChecksumError
from electroscreen.data.pinned import sha256_file


@pytest.fixture(scope="module")
def measurements(data_dir) -> pd.DataFrame:
    return load_liverpool(data_dir)


def test_every_row_kept_with_a_status(measurements):
    assert len(measurements) == 820
    counts = measurements.attrs["status_counts"]
    assert sum(counts.values()) == 820
    # 102 glass/composite notations such as "(Li2S)0.75 (P2S5)0.25", normalised and counted; 5
    # of them, (Li2O)50 (Al2O5)5 (P2O5)45, are not the material (test below)
    assert counts["mixture"] == 97
    assert counts["not_the_material"] == len(NOT_THE_MATERIAL_ROWS) == 18
    mixture = measurements[measurements["status"] == "mixture"]
    assert mixture["formula"].str.len().gt(0).all()
    assert measurements["temperature_c"].between(-273.15, 2000).all()
    assert measurements["family"].isin(["garnet", "NASICON", "perovskites"]).sum() > 300


def test_mixture_notation_reads_molar_proportions():
    text, mixture = normalise_mixture('"(Li2S)0.75 (P2S5)0.25"')
    assert mixture and text == "(Li2S)0.75(P2S5)0.25"
    # 0.75 Li2S + 0.25 P2S5 = Li1.5 P0.5 S2 = Li3PS4
    assert composition_key(text) == composition_key("Li3PS4")
    assert normalise_mixture("Li7La3Zr2O12") == ("Li7La3Zr2O12", False)


def test_bad_rows_get_a_status_not_an_exception(tmp_path, data_dir):
    src = liverpool_dir(data_dir) / "LiIonDatabase.csv"
    frame = pd.read_csv(src, encoding="utf-8-sig")
    frame.loc[0, "composition"] = "Li3Xq2((("
    frame.loc[1, "temperature"] = np.nan
    frame.loc[2, "target"] = -1.0
    bad = tmp_path / "liverpool"
    bad.mkdir()
    frame.to_csv(bad / "LiIonDatabase.csv", index=False)
    with pytest.raises(ObelixChecksumError):  # an edited file is not the pinned dataset
        load_liverpool(tmp_path)
    from electroscreen.data import liverpool as module

    original = module.LIVERPOOL_SHA256
    module.LIVERPOOL_SHA256 = sha256_file(bad / "LiIonDatabase.csv")
    try:
        table = load_liverpool(tmp_path)
    finally:
        module.LIVERPOOL_SHA256 = original
    assert list(table["status"][:3]) == ["bad_formula", "bad_temperature", "bad_conductivity"]
    assert len(table) == 820
    assert len(liverpool_compositions(table)) > 400  # bad rows are skipped, not fatal


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="LiIonDatabase.csv"):
        liverpool_dir(tmp_path)


def test_checksum_verified_copy(tmp_path, data_dir):
    folder = tmp_path / "liverpool"
    folder.mkdir()
    shutil.copy(liverpool_dir(data_dir) / "LiIonDatabase.csv", folder)
    assert liverpool_dir(tmp_path) == folder


def test_arrhenius_fit_recovers_a_known_line():
    ea, log25 = 0.35, -3.2
    t = np.array([25.0, 60.0, 100.0, 150.0])
    k = 8.617333262e-5
    y = log25 - ea / (k * np.log(10)) * (1 / (t + 273.15) - 1 / 298.15)
    fitted_ea, fitted_25 = arrhenius_fit(t, y)
    assert fitted_ea == pytest.approx(ea, rel=1e-9)
    assert fitted_25 == pytest.approx(log25, abs=1e-9)


def test_one_row_per_composition(measurements):
    comps = liverpool_compositions(measurements)
    assert comps["composition_key"].is_unique
    usable = measurements["status"].isin(["ok", "mixture"])
    assert comps["n_measurements"].sum() == usable.sum()
    fitted = comps[comps["fit_status"] == "arrhenius"]
    assert len(fitted) >= 100
    assert fitted["ea_ev"].between(0.05, 1.5).all() and fitted["log10_sigma_25"].notna().all()
    room = comps[comps["fit_status"] == "room_temperature"]
    assert room["ea_ev"].isna().all() and room["log10_sigma_25"].notna().all()
    assert comps.loc[comps["fit_status"] == "no_room_temperature", "log10_sigma_25"].isna().all()


def test_composition_ids_are_the_datasets_own_and_stable(measurements):
    comps = liverpool_compositions(measurements)
    assert comps["first_id"].is_unique
    usable = measurements[measurements["status"].isin(["ok", "mixture"])]
    for row in comps.sample(20, random_state=0).itertuples(index=False):
        ids = usable.loc[usable["composition_key"] == row.composition_key, "ID"].astype(int)
        assert int(row.first_id) == ids.min()
    # Leaving other compositions out (as the errata do) does not renumber the rest.
    first = comps["composition_key"].iloc[0]
    fewer = liverpool_compositions(measurements[measurements["composition_key"] != first])
    kept = comps[comps["composition_key"] != first].reset_index(drop=True)
    assert fewer["first_id"].tolist() == kept["first_id"].tolist()


def test_match_compositions_tolerance():
    ref = ["Li7La3Zr2O12", "Li3PS4"]
    # same reduced formula, scaled; within 2e-4 in fractions; a different composition
    query = ["Li14La6Zr4O24", "Li7.001La3Zr2O12", "Li6.4La3Zr1.4Ta0.6O12", "bad((("]
    assert match_compositions(query, ref).tolist() == [True, True, False, False]
    assert not match_compositions(["Li7.02La3Zr2O12"], ref)[0]  # 8e-4 away in the Li fraction


def test_leak_guard_on_the_real_data(data_dir):
    """No Liverpool row matching an OBELiX test composition trains a model scored on the test split."""
    from electroscreen.experiments.train import _final_rows
    from electroscreen.experiments.train_config import TrainConfig
    from electroscreen.models.evaluation import _splits, guard_extra_rows
    from electroscreen.models.row_groups import chemical_systems
    from electroscreen.models.tasks import conductivity_targets, load_task_table

    table = load_task_table("conductivity", data_dir, liverpool=True)
    split = table["split"].to_numpy()
    test = np.flatnonzero(split == "test")
    extra = np.flatnonzero(split == "extra")
    formulas = table["formula"].to_numpy()
    leaking = extra[match_compositions(formulas[extra].tolist(), formulas[test].tolist())]
    assert len(leaking) >= 30  # the overlap exists (38 compositions when measured)
    targets = conductivity_targets(table)
    train, scored = _splits("official", table, targets, False, 5, 0)[0]
    assert set(scored) == set(test)
    assert not set(leaking) & set(train)
    assert set(guard_extra_rows(table, test)) == set(extra) - set(leaking)
    config = TrainConfig(
        task="conductivity", featurizers=["magpie"], registered_model_name="x", liverpool=True
    )
    final, _ = _final_rows(table, config)
    assert not set(leaking) & set(final) and not set(test) & set(final)
    # selection CV never trains on a test-matching Liverpool row, nor scores a test or extra row
    for scheme in ("train_family_cv", "train_chemsys_cv"):
        for fold_train, fold_test in _splits(scheme, table, targets, False, 5, 0):
            assert not set(leaking) & set(fold_train)
            assert (split[fold_test] == "train").all()
    # family CV: no Liverpool row of a held-out family or composition trains that fold
    family = table["family"].to_numpy()
    for fold_train, fold_test in _splits("family_cv", table, targets, False, 5, 0):
        held = set(family[fold_test])
        used_extra = [i for i in fold_train if split[i] == "extra"]
        assert not {family[i] for i in used_extra if isinstance(family[i], str)} & held
        assert not match_compositions(
            formulas[used_extra].tolist(), formulas[fold_test].tolist()
        ).any()
        # nor one without a family whose chemical system is held out (no family fold holds it out)
        held_systems = set(chemical_systems(formulas[fold_test]))
        unfamilied = [i for i in used_extra if not isinstance(family[i], str) or not family[i]]
        assert not set(chemical_systems(formulas[unfamilied])) & held_systems


def _usual_balance(formula: str) -> bool:
    """Whether the formula balances with the elements' usual states (the errata's rule 1)."""
    from electroscreen.data.formula import parse_formula
    from electroscreen.data.oxidation import assign_oxidation_states
    from electroscreen.data.rare_states import rare_state_needed

    amounts = {k: float(v) for k, v in parse_formula(formula).items()}
    result = assign_oxidation_states(amounts)
    return result.ok and rare_state_needed(amounts, result) is None


def test_rows_whose_formula_is_not_the_material(measurements):
    """The audit's transcription errors are left out with their reason; sound neighbours stay."""
    flagged = measurements[measurements["status"] == "not_the_material"]
    assert set(flagged["ID"]) == set(NOT_THE_MATERIAL_ROWS)
    by_id = measurements.set_index("ID")
    # LATP without the (PO4)3 multiplier, the thio-LISICON x=0.4/0.6 mix-up, Li6NiBr3, Al2O5 glass
    for row, written in [
        ("431", "Li1.05Al0.05Ti1.95(PO4)"),
        ("486", "Li1.45Al0.45Ti1.55(PO4)"),
        ("871", "Li3.6Ge0.4P0.6S4"),
        ("2027", "Li3.6Ge0.4P0.6S4"),
        ("703", "Li6NiBr3"),
        ("847", '"(Li2O)50 (Al2O5)5 (P2O5)45"'),
    ]:
        assert by_id.loc[row, "composition"] == written
        assert by_id.loc[row, "status"] == "not_the_material"
        assert by_id.loc[row, "error"] == NOT_THE_MATERIAL_ROWS[row]
    # rule 1 holds for every listed row: no balance with usual oxidation states
    assert not any(_usual_balance(f) for f in flagged["formula"])
    # the same papers' sound rows stay, and balance
    for row in ["430", "432", "790", "817", "2028", "451", "883", "846"]:
        assert by_id.loc[row, "status"] in ("ok", "mixture"), row
        assert _usual_balance(by_id.loc[row, "formula"]), row
    comps = liverpool_compositions(measurements)
    for formula in ["Li3.6Ge0.4P0.6S4", "Li1.05Al0.05Ti1.95(PO4)", "Li0.7Al0.3Ti1.7(PO4)3"]:
        assert composition_key(formula) not in set(comps["composition_key"])
    assert composition_key("Li1.5Al0.5Ti1.5(PO4)3") in set(comps["composition_key"])
    listed = excluded_rows(measurements)
    assert list(listed.columns) == ["ID", "composition", "status", "error"]
    assert len(listed) == 18 and listed["error"].str.len().gt(40).all()
