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


def test_the_batch_index_finds_what_the_pairwise_test_matches(obelix_table):
    from electroscreen.data.composition_index import CompositionIndex
    from electroscreen.data.composition_match import atomic_fractions
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
    assert ((found >= 0) == match_compositions(queries, reference)).all()
    assert (found >= 0).sum() >= 400 and (found < 0).sum() >= 150  # both outcomes exercised
    for query, ref in zip(queries, found.tolist(), strict=True):
        if ref >= 0:  # the match it names is a match, and the closest
            q, r = atomic_fractions(query), atomic_fractions(reference[ref])
            gap = max(abs(q[el] - r[el]) for el in q)
            assert q.keys() == r.keys() and gap <= 2e-4
            others = [
                max(abs(q[el] - f.get(el, 9.0)) for el in q)
                for f in map(atomic_fractions, reference)
                if f is not None and f.keys() == q.keys()
            ]
            assert gap == min(others)
