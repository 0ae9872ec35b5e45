"""distinct_compositions: one row per composition, read top down; the batch index against the
pairwise test."""

from __future__ import annotations

import numpy as np

from electroscreen.data.composition_match import distinct_compositions, match_compositions
from electroscreen.data.formula import format_formula, parse_formula


def test_repeats_are_grouped_under_their_first_row():
    formulas = [
        "Li1.3Y0.3Ti1.7P3O12",
        "Li3PS4",
        "Li7.8Y1.8Ti10.1988P18O72",  # the first one in a 6x cell, Ti rounded: 1e-5 away
        "bad(((",
        "Li6P2S8",  # Li3PS4 doubled
        "Li3PS4.01",  # 6e-4 away in the S fraction: another composition
        "Li3YCl6",
    ]
    assert distinct_compositions(formulas) == [(0, [2]), (1, [4]), (3, []), (5, []), (6, [])]
    # the groups agree with the pairwise leak-guard test
    for first, repeats in distinct_compositions(formulas):
        for r in repeats:
            assert match_compositions([formulas[r]], [formulas[first]])[0]


def test_the_limit_stops_at_the_next_new_composition():
    formulas = ["Li3PS4", "Li6P2S8", "Li3YCl6", "Li9P3S12", "Li3InCl6", "Li3PS4"]
    # the third distinct composition (Li3InCl6) stops the read: its repeat below is not looked for
    assert distinct_compositions(formulas, limit=2) == [(0, [1, 3]), (2, [])]
    assert distinct_compositions(formulas, limit=0) == []
    assert distinct_compositions([]) == []


def test_the_batch_index_finds_the_closest_match_of_a_pairwise_reference(obelix_table):
    from electroscreen.data.composition_match import CompositionIndex, atomic_fractions
    from electroscreen.data.compositions import pack_compositions

    reference = obelix_table["formula"].astype(str).tolist()
    rng = np.random.default_rng(0)
    queries = []
    for formula in rng.choice(reference, 200, replace=False).tolist():
        amounts = parse_formula(formula)
        k = int(rng.integers(1, 5))  # the same composition in a k-times cell
        queries.append(format_formula({el: k * n for el, n in amounts.items()}))
        el = sorted(amounts)[0]  # and nudged: its first element by 0.01 % (a match) or 5 %
        for nudge in (1e-4, 5e-2):
            queries.append(format_formula({**amounts, el: amounts[el] * (1 + nudge)}))
    queries += ["Li2S", "LiXx", "", "Li3YCl6.2"]
    found = CompositionIndex(reference).find(pack_compositions(queries))
    # the reference: every pair compared in plain Python, atomic fractions from parse_formula
    fractions = [atomic_fractions(f) for f in reference]
    expected = []
    for query in queries:
        q = atomic_fractions(query)
        gaps = [
            max(abs(q[el] - f[el]) for el in q) if q and f and f.keys() == q.keys() else np.inf
            for f in fractions
        ]
        best = int(np.argmin(gaps))  # the first of the closest
        expected.append(best if gaps[best] <= 2e-4 else -1)
    assert found.tolist() == expected
    assert (match_compositions(queries, reference) == (np.array(expected) >= 0)).all()
    assert (found >= 0).sum() >= 400 and (found < 0).sum() >= 150  # both outcomes exercised
