"""Readers: what a file says about its own structure is read, never dropped for a different
compound (ASE's partial occupancies in extxyz, CIF blocks without sites, a CIF's own
``_chemical_formula_sum``, a JSON site's occupancy)."""

import io
import json

import pandas as pd
import pytest
from ase.io import read as ase_read
from ase.io import write as ase_write
from pymatgen.core import Lattice, Structure

from electroscreen.data import read_candidates
from electroscreen.data.obelix import load_obelix_structures

#: A journal CIF's publication block, written before the structure block.
GLOBAL_BLOCK = """data_global
_journal_name_full 'Journal of Solid-State Electrolytes'
_journal_year 2024
_publ_section_title
;
 A lithium thiophosphate
;
"""
#: An information block after the structure block: no atom sites.
INFO_BLOCK = """data_exp_info
_diffrn_radiation_wavelength 1.5406
_diffrn_ambient_temperature 293
"""


@pytest.fixture(scope="module")
def obelix_cifs(data_dir) -> dict[str, str]:
    """CIF text of the OBELiX structures by ID (122: Li6PS5Cl, S/Cl mixing and half-occupied Li;
    kji: Li/vacancy + Zr/Ta garnet; 883: LiAlH4; mdp: Li7P3S11)."""
    return load_obelix_structures(data_dir)


def _site_set(structure: Structure) -> list[tuple]:
    """The sites' species and occupancies, order-free."""
    return sorted(
        tuple(sorted((sp.symbol, round(x, 6)) for sp, x in site.species.items()))
        for site in structure
    )


# ---------------------------------------------------------------------------------------- extxyz


def _ase_frame(cif_text: str):
    """The atoms ASE reads from a (disordered) CIF: one atom per position, kinds + occupancy."""
    return ase_read(io.StringIO(cif_text), format="cif")


@pytest.mark.parametrize("cid", ["122", "kji"])
def test_an_extxyz_written_by_ase_from_a_disordered_cif_is_that_crystal(tmp_path, obelix_cifs, cid):
    """ASE keeps partial occupancies in ``occupancy=`` and ``spacegroup_kinds``; read atom by atom,
    Li6PS5Cl was screened as Li12PS5Cl with status ok."""
    (tmp_path / f"{cid}.cif").write_text(obelix_cifs[cid])
    ase_write(str(tmp_path / f"{cid}.extxyz"), _ase_frame(obelix_cifs[cid]), format="extxyz")
    table = read_candidates([tmp_path / f"{cid}.cif", tmp_path / f"{cid}.extxyz"])
    assert table["status"].tolist() == ["ok", "ok"], table["error"].tolist()
    from_cif, from_xyz = table["structure"]
    assert from_xyz.composition.almost_equals(from_cif.composition, rtol=1e-6)
    assert table["formula"].iloc[0] == table["formula"].iloc[1]
    assert _site_set(from_xyz) == _site_set(from_cif)


@pytest.mark.parametrize(
    ("edit", "status", "words"),
    [
        (lambda a: a.info.update(occupancy="Li: half"), "parse_error", "is not a {kind:"),
        (lambda a: a.arrays.pop("spacegroup_kinds"), "parse_error", "no per-atom spacegroup_kinds"),
        (lambda a: a.info["occupancy"].update({"1": {"S": 1.0}}), "parse_error", "atom 48 (P"),
        (
            lambda a: a.info["occupancy"]["3"].update(S=0.7),
            "bad_occupancy",
            "total occupancy 1.085",
        ),
    ],
)
def test_occupancies_an_extxyz_frame_gives_but_cannot_be_read_refuse_it(
    tmp_path, obelix_cifs, edit, status, words
):
    """Present but not interpretable: the frame's status says why (never a silent other compound)."""
    atoms = _ase_frame(obelix_cifs["122"])
    edit(atoms)
    ase_write(str(tmp_path / "edited.extxyz"), [_ase_frame(obelix_cifs["mdp"]), atoms])
    table = read_candidates(tmp_path / "edited.extxyz")
    assert table["status"].tolist() == ["ok", status], table["error"].tolist()
    assert words in table["error"].iloc[1] and "edited.extxyz#1" in table["error"].iloc[1]


# ---------------------------------------------------------------------------------- CIF blocks


def test_blocks_without_atom_sites_are_not_candidates(tmp_path, obelix_cifs):
    """A journal's data_global block first, or an information block last, made the whole file one
    opaque parse_error; a table's CIF column failed the same way."""
    mdp = obelix_cifs["mdp"]
    (tmp_path / "plain.cif").write_text(mdp)
    (tmp_path / "global_first.cif").write_text(GLOBAL_BLOCK + mdp)
    (tmp_path / "info_last.cif").write_text(mdp + INFO_BLOCK)
    (tmp_path / "two_of_three.cif").write_text(mdp + INFO_BLOCK + obelix_cifs["883"])
    (tmp_path / "no_sites.cif").write_text(GLOBAL_BLOCK + INFO_BLOCK)
    table = read_candidates(sorted(tmp_path.iterdir())).set_index("candidate_id")
    ok = ["global_first", "info_last", "plain", "two_of_three#0", "two_of_three#1"]
    assert (table.loc[ok, "status"] == "ok").all(), table.loc[ok, "error"].tolist()
    assert set(table.loc[["global_first", "info_last"], "formula"]) == {
        table.loc["plain", "formula"]
    }
    assert table.loc["two_of_three#1", "cell_formula"] == "Li4Al4H16"
    assert table.loc["two_of_three#1", "formula"] == "LiAlH4"
    assert table.loc["no_sites", "status"] == "parse_error"
    assert "no data block lists atom sites" in table.loc["no_sites", "error"]

    frame = {"id": ["row"], "formula": ["Li7P3S11"], "cif": [GLOBAL_BLOCK + mdp + INFO_BLOCK]}
    pd.DataFrame(frame).to_csv(tmp_path / "table.csv", index=False)
    row = read_candidates(tmp_path / "table.csv")
    assert row["status"].tolist() == ["ok"], row["error"].tolist()


# --------------------------------------------------------------------------- _chemical_formula_sum


def test_a_cif_whose_sites_are_not_its_own_formula_sum_says_so(tmp_path, obelix_cifs):
    """pymatgen only warned (silenced): a hydride without H positions read as LiAl, an explicit
    vacancy ``Va`` read as vanadium (a garnet with 8.5 V per formula unit)."""
    no_h = "\n".join(
        line for line in obelix_cifs["883"].splitlines() if not line.startswith("  H  ")
    )
    (tmp_path / "no_h.cif").write_text(no_h)
    li0 = "  Li  Li0  96  0.06859951  0.10214545  0.82561758  0.293\n"
    va9 = "  Va  Va9  96  0.06859951  0.10214545  0.82561758  0.707\n"  # the rest of the site
    vacancy = obelix_cifs["kji"].replace(li0, li0 + va9)
    assert vacancy != obelix_cifs["kji"]
    (tmp_path / "vacancy.cif").write_text(vacancy)
    table = read_candidates([tmp_path / "no_h.cif", tmp_path / "vacancy.cif"])
    assert table["status"].tolist() == ["formula_mismatch"] * 2, table["error"].tolist()
    no_h_error, vacancy_error = table["error"]
    assert (
        "no_h.cif" in no_h_error and "'Li4 Al4 H16'" in no_h_error and "of H differs" in no_h_error
    )
    assert "vacancy.cif" in vacancy_error and "of V differs" in vacancy_error


def test_a_formula_sum_counting_positions_as_ase_writes_it_is_not_a_mismatch(tmp_path, obelix_cifs):
    """ASE writes each position's majority species as one atom (``Li48 P4 S20 Cl4`` for Li6PS5Cl;
    the garnet's minority Ta not at all); its sites, with their occupancies, are the crystal."""
    for cid in ("122", "kji"):
        ase_write(str(tmp_path / f"ase_{cid}.cif"), _ase_frame(obelix_cifs[cid]), format="cif")
        (tmp_path / f"{cid}.cif").write_text(obelix_cifs[cid])
    table = read_candidates(sorted(tmp_path.iterdir())).set_index("candidate_id")
    assert (table["status"] == "ok").all(), table["error"].tolist()
    assert (
        table.loc["ase_122", "cell_formula"] == table.loc["122", "cell_formula"] == "Li24P4S20Cl4"
    )
    assert table.loc["ase_122", "formula"] == table.loc["122", "formula"] == "Li6PS5Cl"
    assert table.loc["ase_kji", "formula"] == table.loc["kji", "formula"]


def test_every_obelix_cif_matches_its_own_formula_sum(obelix_structures):
    """All 321 OBELiX CIFs carry ``_chemical_formula_sum`` and every one reads as it (the largest
    atomic-fraction gap is 7e-10): the check refuses none of them."""
    assert len(obelix_structures) == 321
    assert (obelix_structures["status"] == "ok").all()


# --------------------------------------------------------------------------------- JSON occupancy


@pytest.mark.parametrize(
    ("na", "status"), [("0.41", "bad_occupancy"), ("0.4005", "ok"), ("0.3", "ok")]
)
def test_a_json_site_above_one_reads_as_the_same_site_in_a_cif(tmp_path, na, status):
    """A site summing above 1 in pymatgen JSON was parse_error ("Species occupancies sum to more
    than 1!") where the CIF gives bad_occupancy; within the rounding tolerance the CIF is read
    (scaled to 1) and the JSON was refused. One rule: ``MAX_OCCUPANCY``."""
    cif = f"""data_m
_cell_length_a 4.0
_cell_length_b 4.0
_cell_length_c 4.0
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 1'
loop_
 _atom_site_label
 _atom_site_type_symbol
 _atom_site_fract_x
 _atom_site_fract_y
 _atom_site_fract_z
 _atom_site_occupancy
  Li1 Li 0.0 0.0 0.0 0.6
  Na1 Na 0.0 0.0 0.0 {na}
  Cl1 Cl 0.5 0.5 0.5 1.0
"""
    (tmp_path / "site.cif").write_text(cif)
    item = Structure(Lattice.cubic(4.0), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]).as_dict()
    item["sites"][0]["species"] = [
        {"element": "Li", "occu": 0.6},
        {"element": "Na", "occu": float(na)},
    ]
    (tmp_path / "site.json").write_text(json.dumps(item))
    table = read_candidates([tmp_path / "site.cif", tmp_path / "site.json"])
    assert table["status"].tolist() == [status, status], table["error"].tolist()
    if status == "ok":
        from_cif, from_json = table["structure"]
        assert from_json.composition.almost_equals(from_cif.composition, rtol=1e-9)
    else:
        assert "site 0 has total occupancy 1.01 > 1" in table["error"].iloc[1]
        assert "site.json" in table["error"].iloc[1]
