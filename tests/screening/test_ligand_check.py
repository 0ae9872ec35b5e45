"""The anion-former rule on a structure's own sites (``screening/ligand_check.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymatgen.core import Lattice, Species, Structure

from electroscreen.data import pack_structures
from electroscreen.data.stored_states import stored_states
from electroscreen.screening.filters import CATION_LIGANDS, apply_stored_states
from electroscreen.screening.ligand_check import former_without_ligands
from electroscreen.screening.screen_config import FilterConfig

#: A tetrahedron of four ligands 1.5 A around the centre, then two Li and a free anion far off.
_TETRAHEDRON = 0.5 + np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) * 0.866 / 8


def _cell(centre: str, ligand: str, free: str) -> Structure:
    """A 8 A cube: ``centre`` in a tetrahedron of ``ligand``, Li+ and a ``free`` anion elsewhere
    (states as given, charges balanced by the caller's choice of species)."""
    species = [Species.from_str(centre)] + [Species.from_str(ligand)] * 4
    coords = [[0.5, 0.5, 0.5], *_TETRAHEDRON.tolist()]
    species += [Species.from_str("Li+")] * 4 + [Species.from_str(free)]
    coords += [[0, 0, 0], [0, 0.5, 0], [0.5, 0, 0], [0, 0, 0.5], [0.5, 0.5, 0]]
    return Structure(Lattice.cubic(8.0), species, coords)


def test_a_positive_former_needs_a_ligand_in_its_own_first_shell():
    """Li6SeS5O-like: Se(VI) in an SeS4 tetrahedron with the O on a free-anion site passes the
    composition rule (O is in the formula) but would oxidise its own sulfide: rejected with its
    site named; SeO4 beside a free sulfide, and a plain sulfide anion, pass."""
    bad = _cell("Se6+", "S2-", "O2-")  # Li4 SeS4 O: +4 +6 -8 -2 = 0
    good = _cell("Se6+", "O2-", "S2-")
    plain = _cell("P5+", "S2-", "Cl-")  # a thiophosphate: no positive former at all
    packed = pack_structures([bad, good, plain])
    got = former_without_ligands(packed, CATION_LIGANDS, stored_states(packed)[2])
    assert got[0] == (
        "Se+6 on site 0 has only S in its first shell (a cation only beside O, F, Cl, Br)"
    )
    assert got[1:].tolist() == ["", ""]


def test_generated_li6ses5o_is_rejected_by_the_stored_states(obelix_structures):
    """The chemist's audit case: generate's `122:P5+>Se6+;Cl->O2-` ranked 22nd in the demo."""
    from electroscreen.screening.generate import generate_candidates

    seeds = obelix_structures[obelix_structures["candidate_id"] == "122"]
    pool = generate_candidates(pack_structures(list(seeds["structure"]), ["122"]))
    ids = pool.table["candidate_id"].tolist()
    target = ids.index("122:P5+>Se6+;Cl->O2-")
    table = pd.DataFrame(
        {"status": ["ok"] * len(ids), "error": [""] * len(ids)}, index=range(len(ids))
    )
    out = apply_stored_states(table, FilterConfig(), pool.packed, np.arange(len(ids)))
    assert out["status"].iloc[target] == "anion_former_as_cation"
    assert "Se+6 on site" in out["error"].iloc[target] and "only S" in out["error"].iloc[target]
    # the other children of the seed that carry no positive former are untouched
    messages = former_without_ligands(pool.packed, CATION_LIGANDS, stored_states(pool.packed)[2])
    assert (out["status"].to_numpy()[messages == ""] != "anion_former_as_cation").all()
