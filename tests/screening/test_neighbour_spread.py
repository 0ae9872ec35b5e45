"""oxaudit O6: Bates' LiPON film ``Li2.9PO3.3N0.46`` (measured 3.3e-6 S/cm, -5.48) was predicted
-10.27 [-15.70, -4.85] with no note, although its nearest training compositions disagree by 6.5
decades: Liverpool's LiPON film ``Li3.2PO3.1N0.7`` (-6.30, 0.043 away) and a crystalline nitrided
Li3PO4 ``Li2.88PO3.73N0.14`` (-12.85, 0.051 away). The row now says so
(``conductivity:measurements:neighbours_disagree``); a composition whose neighbours agree does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.analysis.row_notes import notes_table, row_notes
from electroscreen.data.composition_nearest import NearestReferences, fraction_vectors
from electroscreen.data.compositions import pack_compositions
from electroscreen.models.training_rows import (
    NEIGHBOURS_COUNT,
    NEIGHBOURS_DISAGREE,
    NEIGHBOURS_RADIUS,
    NEIGHBOURS_SPREAD_COLUMN,
    TrainingRows,
    neighbours_note,
)
from electroscreen.screening import screen

LIPON = "Li2.9PO3.3N0.46"
#: Compositions whose nearest measured neighbours agree (a garnet among doped garnets, LGPS among
#: its substitutions) or that have no measured neighbour near (a chloride far from any).
AGREE = ["Li7La3Zr2O12", "Li10GeP2S12", "Li6.5La3Zr1.5Ta0.5O12"]


def _spread_by_brute_force(queries, references, values, radius, count):
    q, r = fraction_vectors(queries), fraction_vectors(references)
    width = max(q.shape[1], r.shape[1])
    q = np.pad(q, ((0, 0), (0, width - q.shape[1])))
    r = np.pad(r, ((0, 0), (0, width - r.shape[1])))
    d = np.abs(q[:, None, :] - r[None, :, :]).max(-1)
    out = np.full(len(q), np.nan)
    for i in range(len(q)):
        near = np.lexsort((np.arange(len(r)), d[i]))
        near = [j for j in near if d[i, j] <= radius and np.isfinite(values[j])][:count]
        if len(near) >= 2:
            out[i] = values[near].max() - values[near].min()
    return out


def test_the_spread_is_that_of_the_k_nearest_within_the_radius_in_the_nearest_search():
    rng = np.random.default_rng(0)
    elements = ["Li", "P", "O", "N", "S"]  # a LiPON-like family, near one another
    amounts = rng.random((300, 5)) * [2, 0.5, 1, 1, 1] + [2, 1, 3, 0, 0]
    amounts[rng.random((300, 5)) < 0.3 * np.array([0, 0, 0, 1, 1])] = 0
    formulas = [
        "".join(f"{e}{a:.2f}" for e, a in zip(elements, row, strict=True) if a > 0)
        for row in amounts
    ]
    references, queries = pack_compositions(formulas[:150]), pack_compositions(formulas[150:])
    values = rng.normal(-6, 3, 150)
    values[::7] = np.nan  # never counts
    index = NearestReferences(references)
    for radius, count in ((0.06, 3), (0.15, 5), (0.3, 2)):
        rows, distance, spread = index.nearest_with_spread(queries, values, radius, count)
        expected = _spread_by_brute_force(queries, references, values, radius, count)
        np.testing.assert_allclose(spread, expected, equal_nan=True)
        assert np.isfinite(spread).any()
        plain_rows, plain_distance = index.nearest(queries)  # the nearest is unchanged
        np.testing.assert_array_equal(rows, plain_rows)
        np.testing.assert_array_equal(distance, plain_distance)


def test_lipon_between_a_film_and_a_crystal_gets_the_note():
    """Real rows: Liverpool's LiPON film, OBELiX's crystalline nitrided Li3PO4 and Li3PO4, and
    garnets measured within a decade of each other."""
    rows = TrainingRows(
        ["liverpool:489", "738", "w7d", "wyu", "kji", "66a"],
        ["Li3.2PO3.1N0.7", "Li11.52P4O14.92N0.56", "Li3PO4",
         "Li7La3Zr2O12", "Li6.4La3Zr1.4Ta0.6O12", "Li6.75La3Zr1.75Nb0.25O12"],
        np.array([-6.30, -12.85, -15.07, -3.92, -3.00, -3.10]),
        np.full(6, np.nan),
    )  # fmt: skip
    found = rows.nearest(pack_compositions([LIPON, "Li7La3Zr2O12"]), spread=True)
    spread = found[NEIGHBOURS_SPREAD_COLUMN].to_numpy()
    assert spread[0] == pytest.approx(-6.30 + 12.85)  # Li3PO4 lies 0.069 away: beyond the radius
    assert spread[1] < 1
    assert neighbours_note(spread[0]) == f"{NEIGHBOURS_DISAGREE}=6.5 decades"
    assert neighbours_note(spread[1]) == neighbours_note(np.nan) == ""
    assert NEIGHBOURS_COUNT >= 2 and 0.051 < NEIGHBOURS_RADIUS < 0.069
    assert NEIGHBOURS_SPREAD_COLUMN not in rows.nearest(pack_compositions([LIPON]))


def test_the_note_reads_with_its_meaning():
    row = {"pred_feature_status": f"{NEIGHBOURS_DISAGREE}=6.5 decades"}
    assert row_notes(row) == [("conductivity measurements", "neighbours_disagree=6.5 decades")]
    assert "may match neither" in notes_table(row)["meaning"].iloc[0]


@pytest.fixture(scope="module")
def lipon_screen(model_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("neighbours")
    pool = folder / "pool.csv"
    formulas = [LIPON, *AGREE]
    pd.DataFrame({"id": [f"r{i}" for i in range(len(formulas))], "formula": formulas}).to_csv(
        pool, index=False
    )
    run = dict(tracking_uri=model_store.uri, track=False, progress=False)
    return screen([pool], folder / "out", **run).results.set_index("candidate_id")


def test_a_screen_notes_lipon_and_not_compositions_whose_neighbours_agree(lipon_screen):
    notes = lipon_screen["pred_feature_status"]
    assert (lipon_screen["status"] == "ok").all()
    assert f"{NEIGHBOURS_DISAGREE}=6.6 decades" in notes["r0"].split(",")  # -6.30 vs -12.85
    for row in ["r1", "r2", "r3"]:
        assert NEIGHBOURS_DISAGREE not in notes[row], row
    assert NEIGHBOURS_SPREAD_COLUMN not in lipon_screen  # a note, not a results column
