"""One row per chemistry at the top of a ranking: which better-ranked candidate stands for each.

A generated pool holds many members of one solid solution (``Li10GeP2S12`` with Si, Sn, Ti or Zr
for some of its Ge, from a few seed structures), and they rank together: a screening's top 15 held
12 of them. ``rank`` stays the ranking by score; :func:`diversity_columns` adds, per ranked row,

- ``represented_by``: the ``candidate_id`` of the best-ranked *representative* whose composition
  lies within ``distance`` of this row's (``""`` for a representative itself, and for every row
  it was not computed for: unranked, or beyond the ``max_rows`` best);
- ``diverse_rank``: 1, 2, 3, ... over the representatives in rank order (``<NA>`` for the others,
  unranked rows and rows beyond ``max_rows``).

So a ranked row within the ``max_rows`` best has exactly one of the two, and sorting by
``diverse_rank`` reads the ranking one chemistry at a time.

The distance is the project's one composition distance, the largest difference of any element's
atomic fraction (:mod:`electroscreen.data.composition_nearest`: ``farther``, ``fraction_vectors``),
so ``0.1`` means no element's share of the atoms differs by more than 0.1. Rows are read best
first (greedy leader clustering): a row within ``distance`` of a representative already found is
represented by the best-ranked such one, otherwise it becomes a representative. A row is compared
with representatives only, so a chain of small steps does not fold a distant chemistry into the
first of the chain. A ranked row whose formula gives no comparable composition (does not parse)
is a representative of its own that represents nothing else: it is never hidden.

The default distance, ``ranking.diversity_distance: 0.06``, from the demo's 1,811 ranked
candidates: a whole site of LGPS's Ge (1 to 1.35 of 25 atoms) swapped for Si, Sn, Zr or Ti lies
0.04 to 0.053 away, a garnet's or NASICON's dopant swapped 0.01 to 0.03: these fold; an
argyrodite's halide (one atom in 13) swapped lies 0.073 to 0.077 away, LATP from LAGP 0.085, the
thio-LISICON Li4.35Ga0.4Ge0.6S4 from LGPS 0.069, the argyrodites from LGPS 0.087 or more: these
stay apart (at 0.07 the thio-LISICONs fold into LGPS). Compositions, not structures: phases of
one chemical system closer than 0.06 fold too (Li3PS4 0.045 from LGPS, Li5NbO5 from Li7NbO6).
``ranking.diversity_rows: 10000`` bounds the cost, as each row is compared with the
representatives above it: 0.1 s for the best 10,000 of 100,000 random ranked compositions, 2.5 s
for all 80,000 (2 cores; docs/results-columns.md, "Diverse top").

A row's result depends only on better-ranked rows: its ``represented_by`` and ``diverse_rank``
follow from its own composition and the compositions and rank order of the rows ranked above it
(which of them are representatives is decided from the rows above them, in turn). Adding,
removing or changing a row ranked below it never changes them; the same input gives the same
output.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numba import njit

from electroscreen.data.composition_match import comparable_rows
from electroscreen.data.composition_nearest import farther, fraction_vectors
from electroscreen.data.compositions import pack_compositions
from electroscreen.screening.ranking import is_ranked

__all__ = [
    "DIVERSE_RANK",
    "DIVERSITY_COLUMNS",
    "REPRESENTED_BY",
    "diversity_columns",
    "leaders",
    "represented_counts",
]

#: The candidate_id of the row a folded row is represented by (``""``: none).
REPRESENTED_BY = "represented_by"
#: 1, 2, 3, ... over the representatives in rank order (nullable ``Int64``).
DIVERSE_RANK = "diverse_rank"
#: The columns :func:`diversity_columns` adds to the results, after the ranking's.
DIVERSITY_COLUMNS = (REPRESENTED_BY, DIVERSE_RANK)


@njit(cache=True)
def _leaders(
    fractions: np.ndarray,
    offsets: np.ndarray,
    z: np.ndarray,
    usable: np.ndarray,
    key: np.ndarray,
    distance: float,
) -> np.ndarray:
    """Per row (best first), the row of its representative; -1: a representative itself.

    ``fractions`` (N, W) holds each row's atomic fractions, ``z`` (CSR ``offsets``) its
    elements, ``key`` one element's fraction per row: a representative whose fraction of it
    differs by more than ``distance`` is not compared further.
    """
    n = len(offsets) - 1
    found = np.full(n, -1, dtype=np.int64)
    representatives = np.empty(n, dtype=np.int64)
    n_representatives = 0
    for i in range(n):
        if not usable[i]:
            continue  # a representative of its own, never another row's
        x = fractions[i]
        for r in range(n_representatives):  # in rank order: the first within is the best-ranked
            j = representatives[r]
            if abs(key[i] - key[j]) > distance:
                continue
            y = fractions[j]
            d = farther(0.0, x, y, z, offsets[i], offsets[i + 1])
            if d > distance:
                continue
            if farther(d, x, y, z, offsets[j], offsets[j + 1]) <= distance:
                found[i] = j
                break
        if found[i] < 0:
            representatives[n_representatives] = i
            n_representatives += 1
    return found


def leaders(formulas: Sequence[object], distance: float) -> np.ndarray:
    """For formulas read best first, each one's representative (module docstring).

    Parameters
    ----------
    formulas : sequence of str
        N formulas in rank order, best first (a missing or unparsable one is a representative
        that represents nothing else).
    distance : float
        Largest difference of any element's atomic fraction at which two rows are one chemistry
        (inclusive); 0 or less: every row is a representative.

    Returns
    -------
    ndarray of int64, shape (N,)
        The position of the row's representative, always before it; -1 for a representative.

    Examples
    --------
    LGPS with Si for all its Ge lies 0.04 from it, Li3PS4 0.045, the half swap 0.02:

    >>> leaders(["Li10GeP2S12", "Li10SiP2S12", "Li3PS4", "Li10Ge0.5Si0.5P2S12"], 0.03).tolist()
    [-1, -1, -1, 0]
    >>> leaders(["Li10GeP2S12", "Li10SiP2S12", "Li3PS4", "Li10Ge0.5Si0.5P2S12"], 0.06).tolist()
    [-1, 0, 0, 0]
    """
    n = len(formulas)
    if distance <= 0 or n == 0:
        return np.full(n, -1, dtype=np.int64)
    packed = pack_compositions([f if isinstance(f, str) else "" for f in formulas])
    usable = comparable_rows(packed)
    fractions = fraction_vectors(packed)
    held = (fractions[usable] > 0).sum(axis=0)
    key = np.ascontiguousarray(fractions[:, int(np.argmax(held))])  # the most held element
    return _leaders(
        fractions, packed.offsets.astype(np.int64), packed.z.astype(np.int64), usable, key,
        float(distance),
    )  # fmt: skip


def diversity_columns(
    candidate_ids: Sequence[object],
    formulas: Sequence[object],
    ranks: pd.Series,
    distance: float,
    max_rows: int = 0,
) -> pd.DataFrame:
    """``represented_by`` and ``diverse_rank`` of a ranked pool (module docstring).

    Parameters
    ----------
    candidate_ids, formulas : sequence, length N
        Each row's id (unique over the pool) and reduced formula.
    ranks : Series, length N
        Each row's ``rank`` (1 = best; ``<NA>``/NaN: unranked, left untouched); ties are read in
        row order.
    distance : float
        Largest difference of any element's atomic fraction at which a row folds into a
        representative (inclusive); 0: off, every column empty.
    max_rows : int
        Compute for the ``max_rows`` best-ranked rows only (0: every ranked row); the rows
        beyond get nothing.

    Returns
    -------
    DataFrame, N rows, ``ranks``'s index
        ``represented_by`` (pandas ``string``, ``""``: none) and ``diverse_rank`` (nullable
        ``Int64``).
    """
    n = len(ranks)
    ids = np.asarray(list(candidate_ids), dtype=object)  # by position; text only where named
    formulas = list(formulas)  # by position, whatever a Series' index
    if len(ids) != n or len(formulas) != n:
        raise ValueError("candidate_ids, formulas and ranks need one value per row")
    represented_by = np.full(n, "", dtype=object)
    diverse_rank = np.zeros(n, dtype=np.int64)
    positions = np.flatnonzero(is_ranked(ranks))
    values = pd.to_numeric(ranks, errors="coerce").to_numpy(dtype=float)[positions]
    order = positions[np.argsort(values, kind="stable")]
    if max_rows > 0:
        order = order[:max_rows]
    if distance > 0 and len(order):
        found = leaders([formulas[p] for p in order], distance)
        own = found < 0
        diverse_rank[order[own]] = np.arange(1, int(own.sum()) + 1)
        represented_by[order[~own]] = [str(i) for i in ids[order[found[~own]]]]
    return pd.DataFrame(
        {
            REPRESENTED_BY: pd.array(represented_by, dtype="string"),  # text even when empty
            DIVERSE_RANK: pd.arrays.IntegerArray(diverse_rank, diverse_rank < 1),
        },
        index=ranks.index,
    )


def represented_counts(results: pd.DataFrame) -> pd.Series:
    """How many rows each row represents (its id in their ``represented_by``), per row of
    ``results`` (0 for every row where the column is absent)."""
    if REPRESENTED_BY not in results or "candidate_id" not in results:
        return pd.Series(0, index=results.index)
    named = results[REPRESENTED_BY].fillna("").astype(str)
    counts = named[named.ne("")].value_counts()
    ids = results["candidate_id"].astype(str)
    return ids.map(counts).fillna(0).astype(int).set_axis(results.index)
