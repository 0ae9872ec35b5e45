"""Ion-substitution candidate generation from the OBELiX structures (disordered ones included)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Species
from pymatgen.core.structure_prediction.substitution_probability import SubstitutionProbability
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.data import (
    assign_oxidation_states,
    load_packed,
    pack_structures,
    parse_formula,
    read_candidates,
)
from electroscreen.data.composition_match import composition_groups, match_compositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.screening.cell_content import seed_formulas
from electroscreen.screening.generate import (
    ROUNDING_TOLERANCE,
    element_amounts,
    generate_candidates,
)
from electroscreen.screening.generate_run import SOURCE_LINE
from electroscreen.screening.inputs import iter_batches, materialize, plan_inputs
from electroscreen.screening.substitution import (
    CITATION,
    CITATION_DOI,
    enumerate_substitutions,
    substitution_model,
)
from electroscreen.screening.synthetic import synthetic_formula_chunks, write_formula_pool

_SPECIES = re.compile(r"([A-Z][a-z]?)([\d.]*)([+-])")


@pytest.fixture(scope="module")
def pool(obelix_packed):
    return generate_candidates(obelix_packed)


def _normalized(amounts: np.ndarray) -> list[tuple]:
    """Per row: sorted (Z, fraction rounded to 1e-6) of the present elements."""
    out = []
    for row in amounts:
        z = np.flatnonzero(row > 1e-8)
        out.append(tuple(zip(z.tolist(), np.round(row[z] / row[z].sum(), 6).tolist(), strict=True)))
    return out


def _parse_species(text: str) -> tuple[str, float]:
    symbol, magnitude, sign = _SPECIES.fullmatch(text).groups()
    return symbol, float(magnitude or 1) * (1 if sign == "+" else -1)


def test_model_matches_pymatgen():
    model = substitution_model()
    reference = SubstitutionProbability()
    names = model.names
    assert {str(s) for s in reference.species} == {str(Species.from_str(n)) for n in names}
    rng = np.random.default_rng(0)
    for a, b in rng.integers(0, len(model), size=(3000, 2)):
        expected = reference.cond_prob(names[a], names[b])
        assert model.cond_prob(a, b) == pytest.approx(expected, rel=1e-12)
    for s in range(len(model)):
        assert model.px[s] == pytest.approx(reference.get_px(names[s]), rel=1e-12)


def test_enumeration_matches_brute_force():
    """Li3PO4: every (P, O) substitute pair, scored by pymatgen, filtered by the same rules."""
    model = substitution_model()
    reference = SubstitutionProbability()
    old = model.index(np.array([15, 8]), np.array([5, -2]))
    li = int(model.index(np.array([3]), np.array([1]))[0])
    amounts = np.array([1.0, 4.0])
    threshold = 1e-5
    found = enumerate_substitutions(
        model, old, amounts, float(model.log_cond[li, li]), np.array([3]), np.log(threshold)
    )
    names = model.names
    expected = {}
    for p_new, o_new in itertools.product(range(len(model)), repeat=2):
        zs = {3, int(model.z[p_new]), int(model.z[o_new])}
        if len(zs) < 3 or (p_new, o_new) == tuple(old):
            continue
        charge = model.charge[p_new] + 4 * model.charge[o_new] + 3
        if charge != 0:
            continue
        prob = reference.cond_prob_list(
            [names[li], names[p_new], names[o_new]], ["Li+", names[old[0]], names[old[1]]]
        )
        if prob >= threshold:
            expected[(p_new, o_new)] = prob
    got = {
        tuple(row): np.exp(lp)
        for row, lp in zip(found.new_species, found.log_probability, strict=True)
    }
    assert len(expected) > 20
    assert got.keys() == expected.keys()
    for key, prob in expected.items():
        assert got[key] == pytest.approx(prob, rel=1e-9)
    assert np.all(np.diff(found.log_probability) <= 0)


def test_obelix_pool_size_and_disorder(pool, obelix_packed):
    assert len(pool) >= 10_000
    assert len(pool.packed) == len(pool) == pool.counts["kept"]
    assert list(pool.packed.ids) == list(pool.table["candidate_id"])
    disordered_seeds = set(np.asarray(obelix_packed.ids)[~obelix_packed.is_ordered])
    from_disordered = pool.table["seed_id"].isin(disordered_seeds)
    assert from_disordered.sum() >= 5_000
    assert (~pool.packed.is_ordered).sum() == from_disordered.sum()
    assert pool.table["seed_id"].nunique() >= 250
    assert (pool.table["status"] == "ok").all()


def test_every_candidate_is_charge_balanced(pool):
    packed = pool.packed
    present = packed.occ_fraction > 0
    assert not np.isnan(packed.occ_oxidation[present]).any()
    charge = np.nan_to_num(packed.occ_fraction * packed.occ_oxidation)
    structure_of_occ = np.repeat(
        np.repeat(np.arange(len(packed)), packed.n_sites), np.diff(packed.occ_offsets)
    )
    net = np.bincount(structure_of_occ, charge, minlength=len(packed))
    positive = np.bincount(structure_of_occ, np.clip(charge, 0, None), minlength=len(packed))
    assert np.all(np.abs(net) <= 0.01 * positive)
    statuses = {assign_oxidation_states(parse_formula(f)).status for f in pool.table["formula"]}
    assert statuses == {"ok"}
    for i in np.random.default_rng(1).choice(len(packed), 10, replace=False):
        structure = packed.to_structure(int(i))  # pymatgen's own charge of the decorated structure
        assert abs(structure.charge) <= 0.01 * positive[i] + 1e-6


def test_no_duplicates_and_no_known_compounds(pool, obelix_packed):
    table = pool.table
    assert table["candidate_id"].is_unique
    compositions = _normalized(element_amounts(pool.packed))
    keys = list(zip(table["prototype"], compositions, strict=True))
    assert len(set(keys)) == len(keys)
    assert not set(compositions) & set(_normalized(element_amounts(obelix_packed)))
    assert pool.counts["duplicate"] > 0  # the rule did remove something on OBELiX
    # nor a seed's composition as its CIF rounded it (Li3YCl6 from the Er seed against the Y seed
    # whose CIF gives Y1.99998 came back as new; Li3Y1.015Cl6 from the In seed whose CIF gives
    # In2.03 per cell still did): atomic fractions within the refinement rounding, 2e-3
    seeds = seed_formulas(obelix_packed)
    assert ROUNDING_TOLERANCE == 2e-3
    assert not match_compositions(table["formula"].tolist(), seeds, ROUNDING_TOLERANCE).any()
    assert "Li3YCl6" in seeds or match_compositions(["Li3YCl6"], seeds).any()
    # nor one candidate twice from seeds of one structure whose CIFs round differently
    # (Li3.001Cr0.999Mo3O12 and Li3.0001Fe0.9999Mo3O12 both gave Li3.00xAl0.99xMo3O12)
    for _, same_cell in table.groupby("n_sites"):
        groups = composition_groups(same_cell["formula"].tolist(), ROUNDING_TOLERANCE)
        assert len(set(groups)) == len(groups)


def test_a_seed_compound_made_from_another_seed_is_known(obelix_packed):
    """An audit: the OBELiX Li3InCl6 CIF (de5) holds In2.03 per cell, so In3+>Y3+ gave
    Li3Y1.015Cl6, kept as new beside the Li3YCl6 seed (ei3), and Li3InCl6 itself came back as new
    from four other seeds (Li3YBr6, Li3AlF6, Li3ErI6, Li3YCl6): their fractions differ by up to
    1.4e-3, above the 2e-4 the known-compound check used."""
    ids = ["de5", "elz", "l9v", "9wf", "ei3"]
    seeds = obelix_packed.take([list(obelix_packed.ids).index(i) for i in ids])
    pool = generate_candidates(seeds)
    assert "de5:In3+>Y3+" not in set(pool.table["candidate_id"])
    for known in ("Li3YCl6", "Li3InCl6", "Li3YBr6"):
        assert not match_compositions(pool.table["formula"].tolist(), [known], 2e-3).any(), known
    kept = generate_candidates(seeds, keep_known=True)
    assert "de5:In3+>Y3+" in set(kept.table["candidate_id"])
    made_in = kept.table[kept.table["formula"] == "Li3InCl6"]["seed_id"]
    assert set(made_in) == {"elz", "l9v", "9wf", "ei3"}
    assert pool.counts["known_compound"] - kept.counts.get("known_compound", 0) >= 5
    # known_formulas (generate --obelix: every OBELiX composition) are known compounds too
    lif = generate_candidates(seeds, known_formulas=["Li3InF6", "not a formula"])
    assert len(lif) < len(pool)
    assert not match_compositions(lif.table["formula"].tolist(), ["Li3InF6"], 2e-3).any()
    assert match_compositions(pool.table["formula"].tolist(), ["Li3InF6"], 2e-3).any()


def test_obelix_seeds_bring_every_obelix_composition_as_known(data_dir):
    from electroscreen.data.liverpool import load_liverpool
    from electroscreen.data.obelix import load_obelix
    from electroscreen.screening.pool_files import read_seeds

    read = read_seeds(obelix=True, data_dir=data_dir)
    table = load_obelix(data_dir)
    obelix = list(read.known_formulas[: len(table)])
    assert len(table) > len(read.packed)  # those without a CIF too
    assert obelix == table["true_composition"].astype(str).tolist()
    liverpool = load_liverpool(data_dir)  # and every readable Liverpool composition
    readable = liverpool[liverpool["status"].isin(["ok", "mixture"])]["formula"]
    assert set(read.known_formulas[len(table) :]) == set(readable) and len(set(readable)) > 400
    assert read.notes == ()
    assert read_seeds([]).known_formulas == ()


def test_near_duplicates_keep_the_more_probable_and_never_a_failing_one(obelix_packed):
    """Two seeds of one NASICON-type molybdate (2r7 and mfu) round Li and the M3+ site differently:
    each child composition is kept once, from the seed that makes it more probable."""
    rows = [i for i, cid in enumerate(obelix_packed.ids) if cid in ("2r7", "mfu")]
    assert len(rows) == 2
    both = generate_candidates(obelix_packed.take(rows))
    alone = [generate_candidates(obelix_packed.take([i])).table for i in rows]
    assert both.counts["duplicate"] > 0
    assert len(both.table) < sum(len(t) for t in alone)
    everything = pd.concat(alone, ignore_index=True)
    seeds = seed_formulas(obelix_packed.take(rows))  # Cr for Fe in one is the other seed
    everything = everything[
        ~match_compositions(everything["formula"].tolist(), seeds, ROUNDING_TOLERANCE)
    ]
    everything["group"] = composition_groups(everything["formula"].tolist(), ROUNDING_TOLERANCE)
    best = everything.sort_values("probability", ascending=False, kind="stable")
    expected = set(best.drop_duplicates("group")["candidate_id"])
    assert set(both.table["candidate_id"]) == expected


def test_provenance_matches_seed_and_pymatgen(pool, obelix_packed):
    reference = SubstitutionProbability()
    allowed = {str(s) for s in reference.species}
    seed_row = {cid: i for i, cid in enumerate(obelix_packed.ids)}
    rng = np.random.default_rng(2)
    for i in rng.choice(len(pool), 150, replace=False):
        row = pool.table.iloc[i]
        seed = obelix_packed.take([seed_row[row.seed_id]])
        cand = pool.packed.take([i])
        mapping = dict(
            (_parse_species(a), _parse_species(b))
            for a, b in (s.split(">") for s in row.substitutions.split(";"))
        )
        assert len(mapping) == row.n_substituted >= 1
        # the seed's occupancies, its carrier's scaled by one factor where it closed a residual
        carrier = seed.occ_species == 3
        np.testing.assert_array_equal(cand.occ_fraction[~carrier], seed.occ_fraction[~carrier])
        scale = cand.occ_fraction[carrier] / seed.occ_fraction[carrier]
        adjusted = row.carrier_adjustment.startswith("Li ")
        assert np.ptp(scale[scale != 1]) < 1e-12 if adjusted else (scale == 1).all()
        np.testing.assert_array_equal(cand.frac_coords, seed.frac_coords)
        np.testing.assert_allclose(cand.lattice, seed.lattice * row.lattice_scale)
        amounts = element_amounts(seed)[0]  # exact: seed_formula is rounded text
        present = np.flatnonzero(amounts > 1e-8)
        seed_states = assign_oxidation_states(
            {ELEMENT_SYMBOLS[z]: amounts[z] for z in present}
        ).states
        old_species, new_species = [], []
        for z_old, z_new, q_new in zip(
            seed.occ_species, cand.occ_species, cand.occ_oxidation, strict=True
        ):
            old = (ELEMENT_SYMBOLS[z_old], seed_states[ELEMENT_SYMBOLS[z_old]])
            new = mapping.get(old, old)
            assert SYMBOL_TO_Z[new[0]] == z_new
            assert new[1] == pytest.approx(q_new, rel=1e-5)  # labels print 6 digits
            old_species.append(old)
            new_species.append(new)
        assert ELEMENT_SYMBOLS[3] not in {old[0] for old in mapping}  # the carrier stays
        pairs = {
            (
                f"{o[0]}{abs(o[1]):g}{'+' if o[1] > 0 else '-'}",
                f"{n[0]}{abs(n[1]):g}{'+' if n[1] > 0 else '-'}",
            )
            for o, n in zip(old_species, new_species, strict=True)
        }
        pairs = {(str(Species.from_str(o)), str(Species.from_str(n))) for o, n in pairs}
        modelled = [(o, n) for o, n in sorted(pairs) if o in allowed]
        expected = reference.cond_prob_list([n for _, n in modelled], [o for o, _ in modelled])
        assert row.probability == pytest.approx(expected, rel=1e-9)
        assert row.probability >= 1e-4


def test_deterministic_and_seeded_selection(obelix_packed):
    seeds = obelix_packed.take(range(0, len(obelix_packed), 3))
    a = generate_candidates(seeds, max_candidates=500, seed=7)
    b = generate_candidates(seeds, max_candidates=500, seed=7)
    c = generate_candidates(seeds, max_candidates=500, seed=8)
    assert len(a) == 500 and a.counts["unselected"] > 0
    pd.testing.assert_frame_equal(a.table, b.table)
    for name in ("lattice", "occ_species", "occ_oxidation", "frac_coords"):
        np.testing.assert_array_equal(getattr(a.packed, name), getattr(b.packed, name))
    assert set(a.table["candidate_id"]) != set(c.table["candidate_id"])
    full = generate_candidates(seeds)
    assert set(a.table["candidate_id"]) <= set(full.table["candidate_id"])
    introduced = {f.split(">")[1] for s in full.table["substitutions"] for f in s.split(";")}
    assert any(sp.startswith(("U", "Tl")) for sp in introduced)
    banned = generate_candidates(seeds, forbidden_elements=("U", "Tl"))
    assert 0 < len(banned) < len(full)
    assert not any(z in (92, 81) for z in banned.packed.occ_species)


def test_the_sample_does_not_depend_on_the_order_of_the_seeds(obelix_packed):
    """An audit: five CIFs given in two orders with the same --seed kept 18 common candidates of
    50; a candidate's random key now depends only on the seed number and its id."""
    rows = list(range(0, len(obelix_packed), 7))
    forward = generate_candidates(obelix_packed.take(rows), max_candidates=300, seed=4)
    backward = generate_candidates(obelix_packed.take(rows[::-1]), max_candidates=300, seed=4)
    assert forward.counts["unselected"] > 300
    assert set(forward.table["candidate_id"]) == set(backward.table["candidate_id"])
    # the rows follow the seeds' order; each candidate is the same structure in both
    back = backward.table.set_index("candidate_id").loc[forward.table["candidate_id"]]
    np.testing.assert_array_equal(back["lattice_scale"], forward.table["lattice_scale"])
    assert list(forward.table["seed_id"].drop_duplicates()) == [
        i for i in np.asarray(obelix_packed.ids)[rows] if i in set(forward.table["seed_id"])
    ]


def test_seeds_that_give_no_candidate_are_named_with_the_reason(pool):
    """``generate --obelix`` counted 21 unbalanced seeds and named none (LiTi1.7Al0.3P3O12,
    Li4.47La3Zr2O12 among them)."""
    from electroscreen.screening.seed_maps import skipped_chemistry_lines

    skipped = pool.skipped.set_index("seed_id")
    reasons = skipped["status"].value_counts().to_dict()
    assert reasons == {
        k.removeprefix("skipped_"): v for k, v in pool.counts.items() if k.startswith("skipped_")
    }
    assert skipped.loc["mg4", "status"] == "unbalanced_seed"
    assert skipped.loc["mg4", "seed_formula"] == "LiTi1.7Al0.3P3O12"
    assert "+142.2 against -144" in skipped.loc["mg4", "error"]  # the closest balance's sums
    assert "balanced only by I-0.882" in skipped.loc["1m8", "error"]
    assert skipped.loc["goi", "status"] == "molecular_seed"
    assert skipped.loc["11b", "status"] == "nothing_to_substitute"
    assert "(P3-)" in skipped.loc["11b", "error"]
    lines = skipped_chemistry_lines(pool.skipped)
    n = len(pool.skipped)
    assert n > 20 and lines[0].startswith(f"{n} seeds not substituted (unbalanced_seed 24")
    assert len(lines) == 22 and lines[-1] == f"  +{n - 20} more"
    assert lines[1].startswith(f"  {pool.skipped['seed_id'].iloc[0]} ")
    assert skipped_chemistry_lines(pool.skipped.iloc[:0]) == []


def test_no_candidate_at_all_is_an_error_and_writes_nothing(tmp_path):
    """``generate nacl.cif`` printed ``kept 0``, wrote an empty pool and exited 0; ``screen`` of
    that pool then stopped with ``the inputs hold no candidate rows``."""
    from pymatgen.core import Lattice, Structure

    salt = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )
    salt.to(filename=str(tmp_path / "nacl.cif"))
    out = tmp_path / "z.npz"
    args = ["generate", str(tmp_path / "nacl.cif"), "--out", str(out)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    assert "nacl NaCl (no_carrier: no Li, the carrier ion (--carrier))" in result.output
    assert "error: no candidate generated: no seed could be substituted" in result.output
    assert not out.exists() and not out.with_name("z_candidates.csv").exists()
    licl = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(5.13), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )
    licl.to(filename=str(tmp_path / "licl.cif"))
    args = ["generate", str(tmp_path / "licl.cif"), "--out", str(out), "--threshold", "0.9"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    assert "error: no candidate generated: 1 usable seed, 0 substitutions above" in " ".join(
        result.output.split()
    )
    assert not out.exists()


def test_generate_leaves_out_the_screening_forbidden_elements_unless_told(obelix_packed, tmp_path):
    """The tour's ``generate --obelix`` introduced As, Ru, Pt, Rh, Pb, Th, U, Pu, Am: 345 of its
    2000 candidates that ``screen`` then rejected as forbidden_element (the demo left them out)."""
    from electroscreen.screening.screen_config import load_screening_config

    forbidden = {SYMBOL_TO_Z[s] for s in load_screening_config().filters.forbidden_elements}
    seeds = obelix_packed.take(range(0, 60)).save(tmp_path / "seeds.npz")

    def introduced(args: list[str]) -> tuple[set[int], str]:
        out = tmp_path / f"pool{len(list(tmp_path.iterdir()))}.npz"
        result = CliRunner().invoke(app, ["generate", str(seeds), "--out", str(out), *args])
        assert result.exit_code == 0, result.output
        pool = load_packed(out)
        seed_elements = set(np.unique(obelix_packed.take(range(0, 60)).occ_species).tolist())
        return set(np.unique(pool.occ_species).tolist()) - seed_elements, result.output

    default, output = introduced([])
    assert not default & forbidden
    assert "not introduced: the 36 forbidden elements of configs/screening.yaml" in output
    kept, output = introduced(["--keep-forbidden"])
    assert kept & forbidden and "not introduced" not in output
    assert SYMBOL_TO_Z["Sc"] in kept
    config = tmp_path / "screen.yaml"
    config.write_text("filters:\n  forbidden_elements: [Sc]\n")
    custom, _ = introduced(["--config", str(config)])
    assert SYMBOL_TO_Z["Sc"] not in custom and custom & forbidden


def test_round_trip_through_pack_and_unpack(pool, tmp_path):
    subset = pool.packed.take(np.random.default_rng(3).choice(len(pool), 40, replace=False))
    assert (~subset.is_ordered).any()
    for suffix in (".npz", ".parquet"):
        loaded = load_packed(subset.save(tmp_path / f"pool{suffix}"))
        assert loaded.ids == subset.ids
        for name in ("lattice", "site_offsets", "frac_coords", "occ_offsets", "occ_species"):
            np.testing.assert_array_equal(getattr(loaded, name), getattr(subset, name))
        np.testing.assert_array_equal(loaded.occ_oxidation, subset.occ_oxidation)
    repacked = pack_structures(subset.to_structures(), subset.ids)
    np.testing.assert_array_equal(repacked.occ_species, subset.occ_species)
    np.testing.assert_allclose(repacked.occ_fraction, subset.occ_fraction)
    np.testing.assert_allclose(repacked.occ_oxidation, subset.occ_oxidation)
    np.testing.assert_allclose(repacked.lattice, subset.lattice)


def test_cli_writes_inputs_that_screen_reads(obelix_packed, data_dir, tmp_path):
    import tarfile

    seeds = obelix_packed.take(range(0, 40)).save(tmp_path / "seeds.npz")
    with tarfile.open(data_dir / "obelix" / "all_cifs.tar.gz") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(".cif"))
        (tmp_path / "one.cif").write_bytes(tar.extractfile(member).read())
    out = tmp_path / "gen" / "pool.npz"
    args = ["generate", str(seeds), str(tmp_path / "one.cif"), "--out", str(out)]
    result = CliRunner().invoke(
        app, [*args, "--max-candidates", "200", "--seed", "3"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines().count(SOURCE_LINE) == 1  # the source, said once
    assert SOURCE_LINE == f"substitution probabilities: {CITATION}"
    table_path = out.with_name("pool_candidates.csv")
    written = pd.read_csv(table_path)
    assert len(written) == 200
    assert CITATION_DOI in CITATION
    assert (written["probability_source"] == f"doi:{CITATION_DOI}").all()  # recorded with each row
    read = read_candidates(table_path)
    assert (read["status"] == "ok").all()
    assert list(read["candidate_id"]) == list(written["candidate_id"])
    assert list(read["formula"]) == list(written["formula"])
    assert {"seed_id", "substitutions", "probability"} <= set(read.columns)
    plan = plan_inputs([out])
    assert [item.kind for item in plan.items] == ["packed"]
    rows = pd.concat([materialize(b)[0] for b in iter_batches(plan, batch_size=64)])
    assert list(rows["candidate_id"]) == list(written["candidate_id"])
    assert (rows["status"] == "ok").all()
    same = [
        _normalized(np.array([_amounts(a)]))[0] == _normalized(np.array([_amounts(b)]))[0]
        for a, b in zip(rows["formula"], written["formula"], strict=True)
    ]
    assert all(same)

    formulas = tmp_path / "formulas.csv"
    args = ["generate", str(seeds), "--out", str(formulas), "--pool-size", "500"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines().count(SOURCE_LINE) == 1  # drawn from the same model
    read = read_candidates(formulas)
    assert len(read) == 500 and (read["status"] == "ok").all()


def _amounts(formula: str) -> np.ndarray:
    row = np.zeros(len(ELEMENT_SYMBOLS))
    for el, n in parse_formula(formula).items():
        row[SYMBOL_TO_Z[el]] += n
    return row


def test_synthetic_pool_streams_balanced_formulas(obelix_table, tmp_path):
    bases = list(obelix_table["true_composition"])
    chunks = list(synthetic_formula_chunks(bases, 25_000, seed=5, chunk_size=10_000))
    assert [len(c) for c in chunks] == [10_000, 10_000, 5_000]
    frame = pd.concat(chunks, ignore_index=True)
    assert frame["candidate_id"].is_unique
    path = write_formula_pool(tmp_path / "pool.parquet", 25_000, bases, seed=5, chunk_size=7_000)
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame)
    with pytest.raises(ValueError, match="a formula pool is a table"):  # it wrote CSV text there
        write_formula_pool(tmp_path / "pool.npz", 10, bases)
    assert not (tmp_path / "pool.npz").exists()
    for row in frame.sample(2_000, random_state=0).itertuples():
        base_states = assign_oxidation_states(parse_formula(row.base_formula))
        assert base_states.ok
        for sub in row.substitutions.split(";"):
            old, rest = sub.split(">")
            new, fraction = rest.split("@")
            assert _parse_species(old)[1] == _parse_species(new)[1]  # isovalent: balance kept
            assert base_states.states[_parse_species(old)[0]] == _parse_species(old)[1]
            assert 0 < float(fraction) <= 1
        amounts = parse_formula(row.formula)
        assert "Li" in amounts and sum(amounts.values()) == pytest.approx(
            sum(parse_formula(row.base_formula).values()), rel=1e-3
        )


def test_seeds_and_candidates_balance_only_with_valences_their_elements_have(pool):
    """A seed whose CIF lacks some sulfur balanced as I-0.88 or P-0.47 and its children were
    kept; the screening's charge-balance filter refuses such states, so generate does too. Nor
    does it keep P+4.30 (a mixed valence of a non-metal: test_generate_mixed_valence.py)."""
    from electroscreen.data.oxidation import is_known_valence, nonmetal_mixed_valence

    assert is_known_valence("Fe", 8 / 3) and is_known_valence("P", 4.3)
    assert not is_known_valence("I", -0.88) and not is_known_valence("P", -0.47)
    assert not is_known_valence("Br", -0.001) and is_known_valence("Br", -1)
    for formula in pool.table["formula"]:
        oxidation = assign_oxidation_states(parse_formula(formula))
        assert all(is_known_valence(el, q) for el, q in oxidation.states.items()), formula
        assert not nonmetal_mixed_valence(oxidation), formula
    assert pool.counts["skipped_unbalanced_seed"] >= 24


def test_a_molecular_seed_is_not_substituted_like_an_ionic_solid(pool, obelix_packed):
    """OBELiX's LiCl-DMF solvate (goi) gave LiH7C3SeNCl and LiH7C3SNCl (DMF's carbonyl O as Se
    or S), ranked 42nd and 61st in an audited pool; the carborane and borohydride seeds stay."""
    assert not pool.table["seed_id"].eq("goi").any()
    assert pool.counts["skipped_molecular_seed"] == 1
    assert pool.table["seed_id"].isin(["883", "95j"]).any()  # LiAlH4, Li3AlH6: hydrides


# --- options checked before any work, seeds that are not read named (input audit) --------------


def _seed_folder(root) -> Path:
    """``seeds/good/LiCl.cif`` (rock salt) and two seeds that cannot be read:
    ``seeds/broken/truncated.cif`` (no site loop) and ``seeds/broken/zero.cif`` (occupancy 0)."""
    from pymatgen.core import Lattice, Structure

    from tests.data.test_readers import GOOD_CIF_BLOCK

    folder = root / "seeds"
    (folder / "good").mkdir(parents=True)
    (folder / "broken").mkdir()
    salt = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(5.13), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )
    salt.to(filename=str(folder / "good" / "LiCl.cif"))
    (folder / "broken" / "truncated.cif").write_text("data_cut\n_cell_length_a 4.0\n")
    zero = GOOD_CIF_BLOCK.format(name="zero").replace("0.0  0.0  0.0  0.5", "0.0  0.0  0.0  0")
    (folder / "broken" / "zero.cif").write_text(zero)
    return folder


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--carrier", "Xx"], "--carrier"),  # a KeyError traceback, exit 1
        (["--out", "pool.txt"], "--out"),  # a traceback after the generation work
        (["--threshold", "2"], "--threshold"),  # accepted: 0 candidates written
        (["--threshold", "0"], "--threshold"),
        (["--exclude", "Qq"], "--exclude"),  # a KeyError traceback
        (["--max-candidates", "-1"], "--max-candidates"),
        (["--table", "table.txt"], "--table"),  # CSV text written to table.txt
        (["--pool-size", "10"], "--out"),  # a formula pool is a table, not pool.npz
        (["--out", "."], "--out"),  # a folder
    ],
)
def test_a_bad_option_is_one_error_line_before_any_seed_is_read(
    tmp_path, monkeypatch, args, option
):
    folder = _seed_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = [] if "--out" in args else ["--out", "pool.npz"]
    result = CliRunner().invoke(app, ["generate", str(folder), *out, *args])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert result.output.startswith("error: ") and option in result.output
    assert "seed structures" not in result.output  # stopped before the seeds were read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seeds"]  # nothing written


def test_the_library_refuses_what_the_command_refuses(obelix_packed):
    """``generate_candidates(carrier="Xx")`` raised a KeyError."""
    seeds = obelix_packed.take([0])
    for option, kwargs in [
        ("--carrier", {"carrier": "Xx"}),
        ("--threshold", {"threshold": 1.5}),
        ("--exclude", {"forbidden_elements": ["Qq"]}),
    ]:
        with pytest.raises(ValueError, match=option):
            generate_candidates(seeds, **kwargs)


def test_seeds_that_are_not_read_are_named_with_their_status(tmp_path):
    """``generate pool`` printed ``8 seed structures`` for 14 files and frames: the 6 broken ones
    vanished without a word."""
    folder = _seed_folder(tmp_path)
    (folder / "notes.txt").write_text("not a structure")
    out = tmp_path / "pool.npz"
    args = ["generate", str(folder), "--out", str(out)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "1 seed structures" in lines
    assert "skipped 2 seeds (" in result.output and "parse_error 1" in result.output
    truncated = next(line for line in lines if "truncated.cif" in line)
    assert "(parse_error: " in truncated and "no data block lists atom sites" in truncated
    zero = next(line for line in lines if "zero.cif" in line)
    assert "(bad_occupancy: site Li1: occupancy 0 is not in (0, 1])" in zero
    assert "notes.txt" in result.output  # a file of no candidate format, as screen names it
    assert out.is_file()

    only_broken = ["generate", str(folder / "broken"), "--out", str(tmp_path / "none.npz")]
    result = CliRunner().invoke(app, only_broken, env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert "skipped 2 seeds" in result.output and "every seed was skipped" in result.output


def test_a_seed_path_that_does_not_exist_says_so(tmp_path):
    """``generate nope.cif`` said only ``no readable seed structure (give files or --obelix)``."""
    from electroscreen.screening.pool_files import read_seeds

    folder = _seed_folder(tmp_path)
    nope = tmp_path / "nope.cif"
    args = ["generate", str(folder), str(nope), "--out", str(tmp_path / "x.npz")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert f"error: no seed file found at {nope} (no such file or folder)" in " ".join(
        result.output.split()
    )
    assert "seed structures" not in result.output
    with pytest.raises(FileNotFoundError, match="no file matches this pattern"):
        read_seeds([tmp_path / "*.vasp"])


def test_read_seeds_keeps_every_row_that_is_not_a_seed(tmp_path):
    from electroscreen.screening.pool_files import read_seeds, skipped_seeds_lines

    folder = _seed_folder(tmp_path)
    pd.DataFrame({"formula": ["Li3PS4"]}).to_csv(tmp_path / "formulas.csv", index=False)
    read = read_seeds([folder, tmp_path / "formulas.csv"])
    assert list(read.packed.ids) == ["LiCl"]
    assert read.skipped["status"].tolist() == ["parse_error", "bad_occupancy", "composition_only"]
    assert read.skipped["source"].tolist() == [
        str(folder / "broken" / "truncated.cif"), str(folder / "broken" / "zero.cif"),
        f"{tmp_path / 'formulas.csv'}:0",
    ]  # fmt: skip
    many = pd.concat([read.skipped] * 5, ignore_index=True)
    lines = skipped_seeds_lines(many)
    assert lines[0] == "skipped 15 seeds (parse_error 5, bad_occupancy 5, composition_only 5):"
    assert len(lines) == 12 and lines[-1].startswith("  +5 more")
    assert skipped_seeds_lines(read.skipped.iloc[:0]) == []
