"""What a chemist sees first: the demo's top 25 has no forbidden element, no redox-active cation
and only formulas per formula unit (tiny models, a quarter of the OBELiX seeds, a small pool)."""

from __future__ import annotations

from electroscreen.data.formula import parse_formula
from electroscreen.data.obelix import load_obelix_structures
from electroscreen.demo import run_demo
from electroscreen.screening.filters import INERT_STATES
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
    # Ce, Pr, Tb are redox-active beside oxide or fluoride only (3+ halides pass: INERT_STATES)
    banned = set(filters.forbidden_elements) | set(filters.redox_active_elements)
    banned -= set(INERT_STATES)
    for formula, cell in zip(top["formula"], top["cell_formula"], strict=True):
        elements = set(parse_formula(formula))
        assert not elements & banned, formula
        assert not (elements & set(INERT_STATES) and elements & {"O", "F"}), formula
        # per formula unit of the cell (cell_units.structure_formulas): the cell's amounts divided
        # by one whole number, so a doped LGPS cell reads Li9.808Ge0.81P2.19S12, a garnet's O12
        per_unit, content = parse_formula(formula), parse_formula(cell)
        assert per_unit.keys() == content.keys(), formula
        units = max(1, round(content[next(iter(content))] / per_unit[next(iter(content))]))
        for el in content:  # one whole divisor; amounts written to 4 decimals
            assert abs(content[el] / units - per_unit[el]) <= 1e-4 + 1e-9, (formula, cell)
        assert max(per_unit.values()) <= 24, formula  # not a whole cell (O96, S24 + Li20 ...)
    # every generated candidate is a structure: each one that reached the bond-valence check has a
    # GII, and the filter removed some (again the filter, not luck)
    assert top["gii"].notna().all()
    assert (top["gii"] <= filters.max_gii).all()
    assert (results["status"] == "implausible_bond_valence").sum() > 0
