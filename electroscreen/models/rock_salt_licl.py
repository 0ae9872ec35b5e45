"""Rock-salt LiCl (Fm-3m, a = 5.13 A): the package's one small ordered example cell.

Two places need a tiny structure that every featurizer can read: the descriptor fingerprint's
probe (:func:`~electroscreen.models.descriptor_fingerprint.probe_structure`, plain data kept in a
model's record) and the pyfunc model's input example (:func:`~electroscreen.experiments.pyfunc.
input_example`, CIF text). Both are the conventional cell built here, 4 Li and 4 Cl sites.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ROCK_SALT_LICL_A", "rock_salt_licl", "rock_salt_licl_cif"]

#: Lattice constant of rock-salt LiCl, angstrom.
ROCK_SALT_LICL_A = 5.13


def rock_salt_licl() -> dict[str, Any]:
    """The conventional cell of rock-salt LiCl as plain data: ``lattice`` (3 x 3, angstrom),
    ``species`` (4 Li, then 4 Cl) and ``frac_coords`` (Li on the fcc positions, Cl shifted by
    half a cell along a)."""
    corners = [[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]]
    a = ROCK_SALT_LICL_A
    return {
        "lattice": [[a, 0.0, 0.0], [0.0, a, 0.0], [0.0, 0.0, a]],
        "species": ["Li"] * 4 + ["Cl"] * 4,
        "frac_coords": corners + [[(x + 0.5) % 1.0, y, z] for x, y, z in corners],
    }


#: The CIF text up to the sites (``{a}``: the lattice constant).
_CIF_HEAD = """data_LiCl
_symmetry_space_group_name_H-M   'P 1'
_cell_length_a   {a}
_cell_length_b   {a}
_cell_length_c   {a}
_cell_angle_alpha   90
_cell_angle_beta   90
_cell_angle_gamma   90
_symmetry_Int_Tables_number   1
loop_
 _symmetry_equiv_pos_as_xyz
  'x, y, z'
loop_
 _atom_site_label
 _atom_site_type_symbol
 _atom_site_fract_x
 _atom_site_fract_y
 _atom_site_fract_z
 _atom_site_occupancy
"""


def rock_salt_licl_cif() -> str:
    """:func:`rock_salt_licl` as CIF text (space group P 1, every site listed, occupancy 1)."""
    cell = rock_salt_licl()
    a = cell["lattice"][0][0]
    counts: dict[str, int] = {}
    sites = []
    for element, (x, y, z) in zip(cell["species"], cell["frac_coords"], strict=True):
        counts[element] = counts.get(element, 0) + 1
        sites.append(f"  {element}{counts[element]}  {element}  {x}  {y}  {z}  1\n")
    return _CIF_HEAD.format(a=a) + "".join(sites)
