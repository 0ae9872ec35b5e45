"""What a chemist sees first: the demo's top 25 has no forbidden element, no redox-active cation
and only reduced formulas (tiny models, a quarter of the OBELiX seeds, a small pool)."""

from __future__ import annotations

from pymatgen.core import Composition

from electroscreen.data.formula import parse_formula, reduced_formula
from electroscreen.data.obelix import load_obelix_structures
from electroscreen.demo import run_demo
from electroscreen.screening.generate import load_seeds
from electroscreen.screening.screen_config import load_screening_config


def test_demo_top_25_is_chemist_acceptable(model_store, data_dir, tmp_path):
    cifs = load_obelix_structures(data_dir)
    folder = tmp_path / "seeds"
    folder.mkdir()
    for cid in sorted(cifs)[::4]:  # 81 of the 321 structures
        (folder / f"{cid}.cif").write_text(cifs[cid])
    result = run_demo(
        out=tmp_path / "demo", data_dir=data_dir, pool_size=400, tracking_uri=model_store.uri,
        seeds=load_seeds([folder]),
    )  # fmt: skip
    results = result.results
    filters = load_screening_config().filters
    assert not filters.allow_redox_active
    # the pool holds redox-active candidates: the filter, not luck, keeps them out
    redox = (results["status"] == "redox_active").sum()
    assert redox > 0
    top = results[results["rank"] > 0].sort_values("rank").head(25)
    assert len(top) == 25
    banned = set(filters.forbidden_elements) | set(filters.redox_active_elements)
    for formula, cell in zip(top["formula"], top["cell_formula"], strict=True):
        elements = set(parse_formula(formula))
        assert not elements & banned, formula
        assert formula == reduced_formula(parse_formula(cell))
        assert Composition(formula).almost_equals(
            Composition(cell).reduced_composition, rtol=1e-6
        ) or Composition(formula).fractional_composition.almost_equals(
            Composition(cell).fractional_composition, rtol=1e-6
        )
        assert len(formula) <= len(cell) + 2  # never longer than the cell's content
    # every generated candidate is a structure: each one that reached the bond-valence check has a
    # GII, and the filter removed some (again the filter, not luck)
    assert top["gii"].notna().all()
    assert (top["gii"] <= filters.max_gii).all()
    assert (results["status"] == "implausible_bond_valence").sum() > 0
