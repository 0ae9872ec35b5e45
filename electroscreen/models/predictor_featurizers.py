"""A predictor's featurizers: instances from its parameters, and the design columns of each.

Used by :class:`~electroscreen.models.predictor.CandidatePredictor` (``featurizers`` and
``featurizer_params``): :func:`featurizer_objects` builds fresh featurizers, :func:`feature_blocks`
gives the columns each one fills in the concatenated design (``build_estimator``'s ``blocks``) and
:func:`concatenated_feature_names` names the design's columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.base import clone

from electroscreen.featurizers.base import Featurizer
from electroscreen.featurizers.registry import make_featurizer

__all__ = ["concatenated_feature_names", "feature_blocks", "featurizer_objects"]


def featurizer_objects(
    featurizers: Sequence[str | Featurizer], featurizer_params: Mapping | None
) -> list[tuple[str, Featurizer]]:
    """``(key, featurizer)`` of each entry: a registry name built with its ``featurizer_params``
    arguments, or an instance cloned (key: its class name)."""
    out = []
    params = featurizer_params or {}
    for f in featurizers:
        if isinstance(f, str):
            out.append((f, make_featurizer(f, **dict(params.get(f, {})))))
        else:
            out.append((type(f).__name__, clone(f)))
    return out


def feature_blocks(objects: Sequence[tuple[str, Featurizer]]) -> dict[str, np.ndarray]:
    """Column positions in the design of each of ``objects`` (:func:`featurizer_objects`)."""
    blocks, start = {}, 0
    for key, f in objects:
        width = len(f.get_feature_names_out())
        blocks[key] = np.arange(start, start + width, dtype=np.int64)
        start += width
    return blocks


def concatenated_feature_names(objects: Sequence[tuple[str, Featurizer]]) -> np.ndarray:
    """Names of the design columns of ``objects`` (:func:`featurizer_objects`), in order."""
    names = [f.get_feature_names_out() for _, f in objects]
    if not names:
        return np.array([], dtype=object)
    return np.concatenate(names).astype(object)
