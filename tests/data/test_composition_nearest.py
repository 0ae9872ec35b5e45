"""The nearest reference composition and its distance (largest difference of any element's atomic
fraction): against a plain search over every reference, row by row."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.composition_match import atomic_fractions
from electroscreen.data.composition_nearest import NearestReferences, nearest_compositions
from electroscreen.data.compositions import pack_compositions

ELEMENTS = ("Li", "Na", "La", "Zr", "Nb", "Ta", "Al", "Ti", "Ge", "Si", "P", "S", "O", "Cl")


def _distance(a: str, b: str) -> float:
    """The definition, written out: max |x_e - y_e| over the union of the two element sets."""
    x, y = atomic_fractions(a), atomic_fractions(b)
    return max(abs(x.get(e, 0.0) - y.get(e, 0.0)) for e in set(x) | set(y))


def _random_formulas(rng: np.random.Generator, n: int) -> list[str]:
    formulas = []
    for _ in range(n):
        k = int(rng.integers(1, 6))
        chosen = rng.choice(len(ELEMENTS), size=k, replace=False)
        amounts = np.round(rng.uniform(0.05, 12, size=k), int(rng.integers(0, 4)))
        formulas.append(
            "".join(f"{ELEMENTS[e]}{max(a, 0.05):g}" for e, a in zip(chosen, amounts, strict=True))
        )
    return formulas


def test_the_nearest_is_the_plain_search_answer_the_first_of_equals():
    rng = np.random.default_rng(7)
    references = _random_formulas(rng, 120)
    references[40] = references[10]  # one composition twice: the first of equals is named
    references[41] = "Li20Ge2P4S24"  # a cell and its formula unit (below) are one composition
    queries = [*_random_formulas(rng, 250), references[10], "Li10GeP2S12", "Li10.05GeP2S12"]
    rows, distance = nearest_compositions(pack_compositions(queries), pack_compositions(references))
    for q, (row, d) in enumerate(zip(rows.tolist(), distance.tolist(), strict=True)):
        every = [_distance(queries[q], r) for r in references]
        best = min(every)
        assert d == pytest.approx(best, abs=1e-12), queries[q]
        assert every[row] == pytest.approx(best, abs=1e-12)  # (ties to 1e-12: either)
    assert rows[250] == 10 and distance[250] == 0.0  # not 40, its repeat
    assert rows[251] == 41 and distance[251] == 0.0  # an exact match: distance 0
    assert rows[252] == 41 and distance[252] == pytest.approx(
        _distance("Li10.05GeP2S12", "Li10GeP2S12")
    )


def test_each_rows_answer_is_its_own_whatever_the_batch():
    rng = np.random.default_rng(3)
    references = NearestReferences(pack_compositions(_random_formulas(rng, 80)))
    queries = [*_random_formulas(rng, 60), "not a formula", "", "Li1e300Cl"]
    rows, distance = references.nearest(pack_compositions(queries))
    order = rng.permutation(len(queries))
    shuffled_rows, shuffled_distance = references.nearest(
        pack_compositions([queries[i] for i in order])
    )
    assert shuffled_rows.tolist() == rows[order].tolist()
    np.testing.assert_array_equal(shuffled_distance, distance[order])
    for i in (0, 17, 59):  # alone, as in a batch of one
        alone_rows, alone_distance = references.nearest(pack_compositions([queries[i]]))
        assert alone_rows[0] == rows[i] and alone_distance[0] == distance[i]
    assert rows[-3:].tolist() == [-1, -1, -1] and np.isnan(distance[-3:]).all()  # no composition


def test_references_that_do_not_parse_are_never_nearest_and_none_gives_none():
    rows, distance = nearest_compositions(
        pack_compositions(["Li3PS4", "Li2S"]), pack_compositions(["junk(", "Li3PS4", ""])
    )
    assert rows.tolist() == [1, 1] and distance[0] == 0.0
    assert distance[1] == pytest.approx(_distance("Li2S", "Li3PS4"))
    rows, distance = nearest_compositions(pack_compositions(["Li3PS4"]), pack_compositions([]))
    assert rows.tolist() == [-1] and np.isnan(distance).all()
