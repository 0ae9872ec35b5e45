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
from electroscreen.featurizers.registry import featurizer_class, make_featurizer

__all__ = [
    "LEGACY_FEATURIZER_DEFAULTS",
    "concatenated_feature_names",
    "feature_blocks",
    "featurizer_objects",
]


#: Registry featurizers whose definition changed after predictors began recording their
#: ``featurizer_defaults_``: a predictor fitted before takes, for each, the arguments that
#: reproduce its old features, the featurizer's own ``_legacy_state`` (``electrolyte``: Li_count
#: and charge_residual per formula as written). An instance among ``featurizers`` is pickled
#: whole and keeps its old definition by itself.
LEGACY_FEATURIZER_DEFAULTS: dict[str, dict[str, object]] = {
    name: dict(featurizer_class(name)._legacy_state) for name in ("electrolyte",)
}


def featurizer_objects(
    featurizers: Sequence[str | Featurizer],
    featurizer_params: Mapping | None,
    defaults: Mapping | None = None,
) -> list[tuple[str, Featurizer]]:
    """``(key, featurizer)`` of each entry: a registry name built with its ``featurizer_params``
    arguments (over ``defaults``, a fitted predictor's ``featurizer_defaults_``: empty for the
    current definitions, :data:`LEGACY_FEATURIZER_DEFAULTS` for an old pickle), or an instance
    cloned (key: its class name)."""
    out = []
    params = featurizer_params or {}
    defaults = defaults or {}
    for f in featurizers:
        if isinstance(f, str):
            arguments = {**dict(defaults.get(f, {})), **dict(params.get(f, {}))}
            out.append((f, make_featurizer(f, **arguments)))
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
