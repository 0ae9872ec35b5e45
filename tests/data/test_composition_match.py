"""distinct_compositions: one row per composition, read top down."""

from __future__ import annotations

from electroscreen.data.composition_match import distinct_compositions, match_compositions


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
