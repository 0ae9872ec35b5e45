"""The default stabilisation models, fitted once and shipped as plain arrays (no pickle).

Fitting :class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel` on the enthalpy
table takes about 4.5 s of CPU (the regressor and the five held-out fits that decide its domain; 1.5 s
before they did), and every process (each ``screen``, Dask worker or test run) used to
pay it at first use. :func:`write_frozen_models` fits the default model of each water phase once and
stores its boosting trees as arrays in ``featurizers/data/stabilisation_models.npz``, together with
its applicability domain (the sets in it, the sets excluded and the held-out errors that decided
them, measured by the fit) and a fingerprint of its training data, parameters and domain keys;
:func:`load_frozen_model` rebuilds it from those arrays when the fingerprint still matches the
current table (else it returns None and the caller fits), for :func:`default_stabilisation_model`,
the model every correction uses, once per process. :class:`FrozenBoosting` predicts as
scikit-learn's ``GradientBoostingRegressor.predict`` does, bit for bit: features cast to float32,
``x <= threshold`` goes left, the stages added in order to the initial constant.

Regenerate after changing the enthalpy table, the element data or the model's defaults
(``tests/featurizers/test_stabilisation_frozen.py`` fails until then)::

    python -m electroscreen.featurizers.thermo.stabilisation_frozen
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from electroscreen.featurizers.thermo.enthalpies import WATER_PHASES
from electroscreen.featurizers.thermo.stabilisation_data import stabilisation_training_set
from electroscreen.featurizers.thermo.stabilisation_domain import domain_masks
from electroscreen.featurizers.tree_arrays import TreeArrays

if TYPE_CHECKING:
    from sklearn.ensemble import GradientBoostingRegressor

    from electroscreen.featurizers.thermo.stabilisation import StabilisationModel

__all__ = [
    "FROZEN_FILE",
    "FrozenBoosting",
    "default_stabilisation_model",
    "fingerprint",
    "load_frozen_model",
    "write_frozen_models",
]

#: Shipped arrays of the default model of each water phase (``<water>__<name>`` keys).
FROZEN_FILE = "stabilisation_models.npz"
_TREE_ARRAYS = tuple(field.name for field in fields(TreeArrays))


@dataclass(frozen=True)
class FrozenBoosting:
    """A fitted least-squares/Huber gradient-boosting regressor held as arrays.

    Parameters
    ----------
    init : float
        The initial constant (scikit-learn's ``init_``).
    learning_rate : float
    trees : TreeArrays
        The stages' trees, in order.
    """

    init: float
    learning_rate: float
    trees: TreeArrays

    @classmethod
    def from_sklearn(cls, model: GradientBoostingRegressor) -> FrozenBoosting:
        """The arrays of a fitted single-output ``GradientBoostingRegressor``."""
        return cls(
            init=float(np.asarray(model.init_.constant_, dtype=np.float64).ravel()[0]),
            learning_rate=float(model.learning_rate),
            trees=TreeArrays.from_sklearn(model.estimators_[:, 0]),
        )

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions, shape (n,), for features ``X`` of shape (n, n_features): ``init + sum_t
        learning_rate * leaf_t(x)``, the stages added in order (as scikit-learn's
        ``predict_stages``)."""
        total = np.full(len(X), self.init)
        for stage in self.trees.predict_each(X):
            total += self.learning_rate * stage
        return total


def fingerprint(model: StabilisationModel) -> str:
    """sha256 of the model's parameters, of its default training data (features and targets) and
    of the anion set each training row counts towards (the domain's keys, :func:`~electroscreen.
    featurizers.thermo.stabilisation_domain.domain_masks`): it changes with the enthalpy table,
    the element data, a default, the rule that decides the anions or the rule that decides which
    rows count (so a stored domain is never that of another rule)."""
    features, target, _ = model.training_data()
    packed = stabilisation_training_set(model.water, model.min_elements)[0]
    digest = hashlib.sha256(json.dumps(model.get_params(), sort_keys=True).encode())
    for array in (features, target):
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(domain_masks(packed, model.water)).tobytes())
    return digest.hexdigest()


def _frozen_path() -> Path:
    return Path(str(resources.files("electroscreen.featurizers") / "data" / FROZEN_FILE))


def load_frozen_model(water: str = "liquid") -> StabilisationModel | None:
    """The default :class:`StabilisationModel` of ``water`` rebuilt from the shipped arrays, or
    None when they are missing or were fitted on other data or parameters (see module docstring).
    Its ``regressor_`` is a :class:`FrozenBoosting`; ``targets_`` is None."""
    from electroscreen.featurizers.thermo.stabilisation import StabilisationModel

    path = _frozen_path()
    if not path.is_file():
        return None
    model = StabilisationModel(water=water)
    with np.load(path, allow_pickle=False) as stored:
        if f"{water}__fingerprint" not in stored:
            return None
        if str(stored[f"{water}__fingerprint"]) != fingerprint(model):
            return None
        scalars = stored[f"{water}__scalars"]
        arrays = {name: stored[f"{water}__{name}"] for name in _TREE_ARRAYS}
        domain, excluded = stored[f"{water}__domain"], stored[f"{water}__excluded"]
        scores = stored[f"{water}__domain_scores"]
    model.regressor_ = FrozenBoosting(float(scalars[0]), float(scalars[1]), TreeArrays(**arrays))
    model.domain_ = frozenset(frozenset(int(z) for z in row if z > 0) for row in domain)
    model.excluded_ = frozenset(frozenset(int(z) for z in row if z > 0) for row in excluded)
    model.domain_scores_ = scores
    model.targets_ = None
    return model


def _set_rows(sets: frozenset[frozenset[int]]) -> np.ndarray:
    """Anion sets as rows of atomic numbers, zero-padded: int64 (len(sets), largest or 1)."""
    rows = sorted(sorted(s) for s in sets)
    out = np.zeros((len(rows), max(map(len, rows), default=1)), dtype=np.int64)
    for i, anions in enumerate(rows):
        out[i, : len(anions)] = anions
    return out


@lru_cache(maxsize=2)
def default_stabilisation_model(water: str = "liquid") -> StabilisationModel:
    """:class:`StabilisationModel` with default parameters, fitted on the enthalpy table, once per
    process and water (the same model every time).

    Normally rebuilt from the arrays shipped with the package (:func:`load_frozen_model`, ~0.2 s:
    the model fitted once, predicting bit for bit as the fit does); when those no longer match the
    table or the defaults, ``StabilisationModel(water=water).fit()`` (about 4.5 s of CPU on one
    core, on top of loading :func:`~electroscreen.featurizers.thermo.enthalpies.enthalpy_table`).
    """
    from electroscreen.featurizers.thermo.stabilisation import StabilisationModel

    frozen = load_frozen_model(water)
    return frozen if frozen is not None else StabilisationModel(water=water).fit()


def write_frozen_models(path: Path | None = None) -> Path:
    """Fit the default model of every water phase and write their arrays (``FROZEN_FILE``)."""
    from electroscreen.featurizers.thermo.stabilisation import StabilisationModel

    path = _frozen_path() if path is None else Path(path)
    stored: dict[str, np.ndarray] = {}
    for water in WATER_PHASES:
        model = StabilisationModel(water=water).fit()
        frozen = FrozenBoosting.from_sklearn(model.regressor_)
        stored[f"{water}__fingerprint"] = np.array(fingerprint(model))
        stored[f"{water}__scalars"] = np.array([frozen.init, frozen.learning_rate])
        for name in _TREE_ARRAYS:
            stored[f"{water}__{name}"] = getattr(frozen.trees, name)
        stored[f"{water}__domain"] = _set_rows(model.domain_)
        stored[f"{water}__excluded"] = _set_rows(model.excluded_)
        stored[f"{water}__domain_scores"] = model.domain_scores_
    np.savez_compressed(path, **stored)
    return path


if __name__ == "__main__":
    print(f"wrote {write_frozen_models()}")
