"""Bond-valence plausibility in a screening batch: gii columns and the max_gii filter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from electroscreen.data import pack_structures
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.packed import concat_packed
from electroscreen.featurizers.bvse.plausibility import occupant_valences
from electroscreen.models.tasks import AIR_STABILITY, CONDUCTIVITY
from electroscreen.screening.batch import process_batch
from electroscreen.screening.inputs import Batch
from electroscreen.screening.plausibility import IMPLAUSIBLE, apply_bond_valence
from electroscreen.screening.screen_config import FilterConfig, ObjectivesConfig
from electroscreen.screening.substitution import ionic_volume_scale, substitute_packed

KNOWN = ["gvd", "w7d", "kji"]  # Li3N, Li3PO4, Ta-doped LLZO (disordered)


class _Constant:
    """A stand-in predictor: constant predictions, so the test exercises the batch logic only."""

    reads_structures = False

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns

    def predict_frame(self, frame: pd.DataFrame, details: bool = False, **packed) -> pd.DataFrame:
        out = pd.DataFrame(0.5, index=frame.index, columns=list(self.columns))
        out["pred_status"] = "ok"
        return out


def _substituted(seed, old: list[str], new: list[str], cid: str):
    """``seed`` (one packed structure) with elements ``old`` replaced by ``new`` at the same
    valence, lattice rescaled by the ionic-volume ratio, as ``generate`` builds candidates."""
    valence, _ = occupant_valences(seed)
    z = np.unique(seed.occ_species)
    q = np.array([valence[seed.occ_species == k][0] for k in z])
    amounts = np.array([seed.occ_fraction[seed.occ_species == k].sum() for k in z])
    new_z = z.copy()
    for o, n in zip(old, new, strict=True):
        new_z[z == SYMBOL_TO_Z[o]] = SYMBOL_TO_Z[n]
    scale = ionic_volume_scale(amounts, z, q, new_z, q)
    return substitute_packed(seed, np.array([0]), [z], [new_z], [q], np.array([scale]), (cid,))


@pytest.fixture(scope="module")
def pool(obelix_structures):
    table = obelix_structures.set_index("candidate_id").loc[KNOWN]
    seeds = pack_structures(list(table["structure"]), KNOWN)
    absurd = [
        _substituted(seeds.take([1]), ["P"], ["Bi"], "Li3BiO4"),  # Bi5+ in a PO4 tetrahedron
        _substituted(seeds.take([2]), ["La"], ["B"], "LLZO:La>B"),  # B3+ on the 8-fold La site
    ]
    return concat_packed([seeds, *absurd])


def test_absurd_substitutions_are_implausible_and_known_structures_pass(pool, tmp_path):
    batch = Batch(index=0, kind="packed", path=Path(tmp_path / "pool.npz"), start=0, packed=pool)
    conductivity = _Constant(CONDUCTIVITY.output_columns)
    stability = _Constant(AIR_STABILITY.output_columns)
    filters = FilterConfig()
    objectives = ObjectivesConfig(window=False, cost=False)
    out = process_batch(batch, filters, conductivity, stability, objectives=objectives)
    assert out["candidate_id"].tolist() == [*KNOWN, "Li3BiO4", "LLZO:La>B"]
    assert out["status"].tolist() == ["ok"] * 3 + [IMPLAUSIBLE] * 2
    assert (out["gii"].iloc[:3] < 0.3).all()
    assert (out["gii"].iloc[3:] > filters.max_gii).all()
    assert out["error"].iloc[3].startswith("global instability index")
    assert "filters.max_gii: null" in out["error"].iloc[3]  # the way out, for a known structure
    assert out["pred_log10_sigma"].iloc[3:].isna().all()  # rejected before the models
    assert out["pred_log10_sigma"].iloc[:3].notna().all()
    assert out["gii_scale"].between(*filters.gii_scale_bounds).all()

    kept = process_batch(
        batch, FilterConfig(max_gii=None), conductivity, stability, objectives=objectives
    )
    assert (kept["status"] == "ok").all()
    np.testing.assert_array_equal(kept["gii"], out["gii"])


def test_formula_rows_and_rejected_rows_keep_nan(pool):
    table = pd.DataFrame(
        {
            "candidate_id": ["a", "b", "c"],
            "formula": ["Li3PO4", "Li3N", "Li3PO4"],
            "status": ["ok", "ok", "forbidden_element"],
            "error": ["", "", "earlier"],
            "structure": [pool.to_structure(1), None, pool.to_structure(1)],
        }
    )
    out = apply_bond_valence(table, None, FilterConfig())
    assert np.isfinite(out["gii"].iloc[0]) and out["gii"].iloc[1:].isna().all()
    assert out["status"].tolist() == ["ok", "ok", "forbidden_element"]
    assert out["gii"].iloc[0] == pytest.approx(pool_gii(pool, 1), rel=1e-12)


def pool_gii(pool, i: int) -> float:
    from electroscreen.featurizers.bvse.plausibility import BondValenceGII

    return float(BondValenceGII().transform(pool.take([i]))[0, 0])


def test_config_validates_the_gii_settings():
    with pytest.raises(ValueError, match="gii_scale_bounds"):
        FilterConfig(gii_scale_bounds=(1.05, 1.2))
    with pytest.raises(ValueError):
        FilterConfig(max_gii=0)
    assert FilterConfig(max_gii=None).max_gii is None


def test_a_zero_oxidation_state_is_no_state(obelix_structures):
    """A CIF that gives ``_atom_type_oxidation_number`` for some types only reads the others as
    state 0 (``S0+``); a zero is not a state the structure carries: its GII is that of the bare
    structure (states guessed), not 1.9 v.u. of a neutral sulfur ("the ions do not fit")."""
    from electroscreen.featurizers.bvse.plausibility import BondValenceGII

    table = obelix_structures.set_index("candidate_id")
    bare = table.loc["kji", "structure"].copy()  # Ta-LLZO, disordered
    partial = bare.copy()
    partial.add_oxidation_state_by_element({"Li": 1, "La": 3, "Zr": 4, "Ta": 5, "O": 0})
    packed = pack_structures([bare, partial])
    assert not packed.has_oxidation.any()
    gii = BondValenceGII().transform([bare, partial])
    np.testing.assert_array_equal(gii[0], gii[1])


LI3OCL = """data_Li3OCl
_cell_length_a 3.91
_cell_length_b 3.91
_cell_length_c 3.91
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 1'
loop_
_symmetry_equiv_pos_as_xyz
'x, y, z'
loop_
_atom_type_symbol
_atom_type_oxidation_number
{li} {li_q}
{o} {o_q}
{cl} {cl_q}
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Li1 {li} 0.5 0 0
Li2 {li} 0 0.5 0
Li3 {li} 0 0 0.5
O1 {o} 0 0 0
Cl1 {cl} 0.5 0.5 0.5
"""


def test_impossible_oxidation_labels_are_ignored_with_a_note(tmp_path):
    """A CIF labelled ``Li2+`` (no compound has Li(II)) screens as the correctly labelled file does
    (its labels dropped: states from the formula), with a note naming the label; labels of known
    states, even unusual ones (peroxide O-), are used as before and get no note (audit F8)."""
    labels = {
        "ok": ("Li+", 1, "O2-", -2, "Cl-", -1),
        "li2": ("Li2+", 2, "O2-", -2, "Cl-", -1),
        "both": ("Li2+", 2, "O2-", -2, "Cl2-", -2),
        "peroxide": ("Li+", 1, "O-", -1, "Cl-", -1),
    }
    files = []
    for name, (li, li_q, o, o_q, cl, cl_q) in labels.items():
        path = tmp_path / f"{name}.cif"
        path.write_text(LI3OCL.format(li=li, li_q=li_q, o=o, o_q=o_q, cl=cl, cl_q=cl_q))
        files.append(path)
    batch = Batch(index=0, kind="files", path=tmp_path, start=0, files=files, cwd=str(tmp_path))
    out = process_batch(
        batch, FilterConfig(), _Constant(CONDUCTIVITY.output_columns),
        _Constant(AIR_STABILITY.output_columns),
        objectives=ObjectivesConfig(window=False, cost=False),
    ).set_index("candidate_id")  # fmt: skip
    assert (out["status"] == "ok").all()
    gii = out["gii"]
    assert gii["li2"] == gii["both"] == gii["ok"]  # as if labelled right
    assert abs(gii["peroxide"] - gii["ok"]) > 0.05  # a known state is the file's to choose
    notes = out["pred_feature_status"]
    assert notes["li2"] == "structure:oxidation_labels:ignored_impossible=Li2+"
    assert notes["both"] == "structure:oxidation_labels:ignored_impossible=Li2+/Cl2-"
    assert "oxidation_labels" not in notes["ok"] + notes["peroxide"]


def test_impossible_states_are_those_no_compound_has():
    from electroscreen.data.stored_states import impossible_state

    z = SYMBOL_TO_Z
    assert impossible_state(z["Li"], 2) and impossible_state(z["Cl"], -2)
    assert impossible_state(z["Li"], -0.5)  # a sign no Li state has
    assert not impossible_state(z["O"], -1) and not impossible_state(z["O"], 2)  # O2 2-, OF2
    assert not impossible_state(z["B"], 0.8333) and not impossible_state(z["Fe"], 8 / 3)
