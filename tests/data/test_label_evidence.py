"""Evidence strength and exposure harshness of air-stability label rows, on rows of the package labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.air_stability import load_air_stability
from electroscreen.data.label_evidence import exposure_class, liquid_water, weak_evidence


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return load_air_stability()


def _row(labels: pd.DataFrame, formula: str, evidence_start: str) -> pd.Series:
    """The one label row of ``formula`` (as written) whose evidence starts with ``evidence_start``."""
    hit = labels[
        (labels["formula_as_written"] == formula)
        & labels["evidence"].str.startswith(evidence_start)
    ]
    assert len(hit) == 1, (formula, evidence_start, len(hit))
    return hit.iloc[0]


@pytest.mark.parametrize(
    ("formula", "evidence_start", "word"),
    [
        ("Li2O", "review statement (weak)", "review"),  # breeder-materials review table
        ("Li3P", "encyclopedia statement (weak; Wikipedia", "encyclop"),
        ("Li2S", "encyclopedia statement (Wikipedia article", "encyclop"),
        ("LiCl", "reference-database statement (CAMEO", "reference-database"),
        ("LiNH2", "reference handbook monograph (The Merck Index", "handbook"),
        ("Li10GeP2S12", "DFT only (computational)", "DFT only"),
    ],
)
def test_secondary_sources_are_weak(labels, formula, evidence_start, word):
    assert weak_evidence(_row(labels, formula, evidence_start)["evidence"]) == word


@pytest.mark.parametrize(
    ("formula", "evidence_start"),
    [
        ("Li3PS4", "H2S sensor (peak 55.9 ppm)"),  # a measurement read first-hand
        ("Li7P2S8I", "H2S release and conductivity retention"),
        # "synthesis" is not "thesis": a synthesis route read in the paper is first-hand
        ("Li2(CB9H10)(CB11H12)", "synthesis route: compound precipitated"),
    ],
)
def test_first_hand_measurements_are_not_weak(labels, formula, evidence_start):
    assert weak_evidence(_row(labels, formula, evidence_start)["evidence"]) == ""


def test_dissertation_class_statements_are_weak(labels):
    thesis = labels[labels["evidence"].str.startswith("dissertation statement (weak")]
    assert len(thesis) >= 10
    assert {weak_evidence(text) for text in thesis["evidence"]} == {"dissertation"}


@pytest.mark.parametrize(
    ("formula", "evidence_start", "expected"),
    [
        ("Li3PS4", "H2S sensor (peak 55.9 ppm)", "harsh"),  # 100 % RH humid N2 flow
        ("Li7P2S8I", "H2S release and conductivity retention", "mild"),  # -40 C dew point
        ("17Li2O-83Li7P3S11", "H2S <<0.009 cm3/g", "mild"),  # humid air, RH not given, 60 s
        ("Al-doped LiTi2(PO4)3", "weight loss (~0.9%) after immersion", "harsh"),  # water, 100 h
        ("Li2(CB9H10)(CB11H12)", "synthesis route: compound precipitated", "harsh"),  # aqueous
    ],
)
def test_exposure_classes_of_real_rows(labels, formula, evidence_start, expected):
    row = _row(labels, formula, evidence_start)
    assert exposure_class(row.to_frame().T).tolist() == [expected]


def test_humidity_decides_before_duration(labels):
    """Li6.5La3Zr1.5Ta0.5O12 pellets stored 6 weeks at ~80 % and at ~5 % RH: harsh and mild."""
    rows = labels[
        (labels["formula_as_written"] == "Li6.5La3Zr1.5Ta0.5O12")
        & labels["evidence"].str.startswith("impedance, Raman, XRD of pellets after storage")
    ]
    got = dict(zip(rows["rh_percent"], exposure_class(rows), strict=True))
    assert got == {80.0: "harsh", 5.0: "mild"}
    assert (rows["duration_h"] >= 24).all()


def test_rows_without_exposure_fields_are_neither(labels):
    plain = labels[
        labels[["rh_percent", "dew_point_c", "duration_h"]].isna().all(axis=1)
        & ~labels["condition"].map(liquid_water)
    ]
    assert len(plain) > 100
    assert set(exposure_class(plain)) == {""}


def test_liquid_water_is_not_vapour():
    assert liquid_water("immersion in pure water")
    assert liquid_water("H2O bath 100 C, 30 min (not air)")
    assert not liquid_water("water vapour 2-80 kPa, 250-450 C")
    assert not liquid_water("humid air, 40% RH, 24 h")


def test_missing_exposure_columns_count_as_not_given():
    table = pd.DataFrame({"condition": ["humid air", "seawater soaking"]})
    np.testing.assert_array_equal(exposure_class(table), ["", "harsh"])
