import shutil

import numpy as np
import pytest

from electroscreen.data import load_obelix, obelix_candidates
from electroscreen.data.obelix import OBELIX_FILES, ObelixChecksumError, obelix_dir


def test_table_target_and_censoring(obelix_table):
    table = obelix_table
    assert len(table) == 599 and table["ID"].is_unique
    censored = table[table["censored"]]
    assert len(censored) == 37  # 36 x "<1E-10" and 1 x "<1E-8"
    assert censored["log10_sigma"].isna().all()  # never silently replaced by a number
    assert sorted(censored["log10_sigma_upper"].unique()) == [-10.0, -8.0]
    measured = table[~table["censored"]]
    assert measured["log10_sigma"].notna().all()
    assert measured["log10_sigma_upper"].isna().all()
    np.testing.assert_allclose(10 ** measured["log10_sigma"], measured["sigma"].astype(float))
    assert measured["log10_sigma"].between(-20, 0).all()
    assert table["has_cif"].sum() == 321


def test_official_split(data_dir):
    train, test = load_obelix(data_dir, "train"), load_obelix(data_dir, "test")
    assert (len(train), len(test)) == (478, 121)
    assert not set(train["ID"]) & set(test["ID"])
    assert (train["split"] == "train").all() and (test["split"] == "test").all()
    assert (load_obelix(data_dir)["split"] == "test").sum() == 121
    with pytest.raises(ValueError, match="split"):
        load_obelix(data_dir, "validation")


def test_one_family_one_name(obelix_table):
    """OBELiX writes some families two ways (Halide / halides); family-grouped folds must hold both
    out together: Li3InCl6 (written Halide) is never scored by a model trained on the halides."""
    import pandas as pd

    from electroscreen.data.obelix import FAMILY_SPELLINGS
    from electroscreen.models.row_groups import family_groups
    from electroscreen.models.splits import grouped_cv_splits

    raw = pd.read_csv(obelix_dir() / "all.csv")["Family"]
    assert set(FAMILY_SPELLINGS) <= set(raw)  # every variant still exists upstream
    families = set(obelix_table["family"].dropna())
    assert not families & set(FAMILY_SPELLINGS) and set(FAMILY_SPELLINGS.values()) <= families
    lowered = {f.lower().rstrip("s") for f in families}
    assert len(lowered) == len(families)  # no two names differ by case or a plural s alone
    groups = family_groups(obelix_table.reset_index(drop=True))
    halides = np.flatnonzero(obelix_table["family"].to_numpy() == "halides")
    for train, test in grouped_cv_splits(groups, n_splits=5):
        assert not (np.isin(halides, test).any() and np.isin(halides, train).any())


def test_candidates_carry_structures_and_targets(obelix_structures):
    table = obelix_structures
    assert len(table) == 321 and (table["status"] == "ok").all()
    assert table["structure"].notna().all()
    assert {"log10_sigma", "censored", "family", "split"} <= set(table.columns)
    assert sum(not s.is_ordered for s in table["structure"]) == 249


def test_checksum_mismatch_is_refused(data_dir, tmp_path):
    for name in OBELIX_FILES:
        shutil.copy(data_dir / "obelix" / name, tmp_path / name)
    assert obelix_dir(tmp_path) == tmp_path
    with (tmp_path / "all.csv").open("a") as fh:
        fh.write("\n")
    with pytest.raises(ObelixChecksumError, match="all.csv"):
        load_obelix(tmp_path)


def test_missing_files_are_named(tmp_path):
    (tmp_path / "all.csv").write_text("ID\n")
    with pytest.raises(FileNotFoundError, match="test.csv"):
        obelix_dir(tmp_path)


def test_download_into_cache_verifies_checksums(data_dir, tmp_path, monkeypatch):
    """Without a data directory the files are fetched (here from a file:// mirror) and verified."""
    monkeypatch.delenv("ELECTROSCREEN_DATA", raising=False)
    monkeypatch.setenv("ELECTROSCREEN_CACHE", str(tmp_path / "cache"))
    mirror = (data_dir / "obelix").resolve().as_uri()
    folder = obelix_dir(base_url=mirror)
    assert folder == tmp_path / "cache" / "obelix"
    assert sorted(p.name for p in folder.iterdir()) == sorted(OBELIX_FILES)
    assert len(obelix_candidates(folder, structures_only=True)) == 321

    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    for name in OBELIX_FILES:
        (corrupt / name).write_bytes(b"not the real file")
    monkeypatch.setenv("ELECTROSCREEN_CACHE", str(tmp_path / "cache2"))
    with pytest.raises(ObelixChecksumError):
        obelix_dir(base_url=corrupt.as_uri())
    assert not any((tmp_path / "cache2" / "obelix").iterdir())  # nothing unverified is kept
