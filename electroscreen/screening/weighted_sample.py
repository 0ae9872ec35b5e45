"""The ``max_candidates`` sample of ``generate``: probability-weighted, without replacement, and the
same whatever the order of the seeds.

Each candidate's random key comes from a hash of ``(seed, candidate_id)`` (:func:`uniform_keys`),
not from a random stream, so no row's draw depends on another row; the sample keeps the largest
Efraimidis-Spirakis keys (:func:`weighted_sample`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["uniform_keys", "weighted_sample"]


def uniform_keys(ids: Sequence[str], seed: int) -> np.ndarray:
    """One number in (0, 1) per id, from a hash of ``(seed, id)`` (53 bits of BLAKE2b): a
    candidate's draw depends on no other row, so neither on the order of the seeds."""
    out = np.empty(len(ids))
    for i, cid in enumerate(ids):
        digest = hashlib.blake2b(f"{seed}\x00{cid}".encode(), digest_size=8).digest()
        out[i] = ((int.from_bytes(digest, "little") >> 11) + 0.5) / 2.0**53
    return out


def weighted_sample(table: pd.DataFrame, size: int, seed: int) -> np.ndarray:
    """Positions of ``size`` rows of ``table``, in table order: a probability-weighted sample
    without replacement (Efraimidis-Spirakis keys ``log(u) / weight``, ``u`` from
    :func:`uniform_keys`; ties: the smaller candidate id)."""
    ids = table["candidate_id"].astype(str).to_numpy()
    weight = table["probability"].to_numpy() / table["probability"].max()
    keys = np.log(uniform_keys(ids, seed)) / weight
    order = np.lexsort((ids, -keys))  # the largest key first
    return np.sort(order[:size])
