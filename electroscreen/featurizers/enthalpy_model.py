"""Stabilisation below the hull of tabulated phases: a correction for untabulated candidates.

When a candidate's formation enthalpy is not tabulated, :mod:`electroscreen.featurizers.reactivity`
uses its hull energy: the candidate is replaced by the mixture of tabulated phases (and elements) it
would decompose into. A real, synthesised compound usually lies *below* that mixture by a
stabilisation energy ``E_stab = H_f(compound) - E_hull(others) <= 0``, so the hull approximation
overstates its reactivity (by at most ``x * |E_stab|`` for a mixing ratio ``x``).

Method
------
1. Targets (:func:`stabilisation_targets`). For every tabulated composition with at least
   ``min_elements`` elements (default 3), leave it out (all table rows with that composition) and
   compute the hull energy of its composition from the remaining entries of its chemical system
   (:func:`~electroscreen.featurizers.thermo.chemical_system`,
   :func:`~electroscreen.featurizers.hull.hull_decomposition`). ``E_stab`` = tabulated enthalpy
   minus that hull energy (eV/atom); negative = more stable than the mixture of the others. About
   30 % of the 646 targets are positive (metastable molecular compounds, ammonium salts,
   intermetallics whose tabulated binaries come from other sources).
2. Features (:func:`stabilisation_features`): the 132 Magpie statistics (Ward et al. 2016, our Numba
   :class:`~electroscreen.featurizers.composition.ElementPropertyStats`, missing element data
   imputed as matminer does) plus four descriptors of that leave-one-out hull: its energy (eV/atom),
   the number of elements, the atom fraction of the decomposition that is pure elements (a compound
   the table lacks, e.g. ``S`` for Li3PS4) and the number of phases. For an untabulated candidate
   the leave-one-out hull *is* its hull, so training and prediction features mean the same thing.
3. Model: scikit-learn ``GradientBoostingRegressor`` (Friedman 2001) with the Huber loss (the target
   has a long tail: fluoroborates and sulfates reach -2 eV/atom), seeded, single-threaded.
   Predictions are clipped to ``<= 0``: a synthesised candidate is assumed not above its own
   decomposition.
4. Applicability domain (:meth:`StabilisationModel.in_domain`): a candidate is corrected only when
   at least ``min_domain_count`` (10) training compositions share its set of anion elements (O, S,
   Se, Te, N, F, Cl, Br, I present). Inside: oxides, oxysulfates, oxynitrides, oxychlorides,
   fluorides. Outside: sulfides without oxygen (the table has no ternary sulfide), chlorides,
   bromides, iodides; there the plain hull energy is kept rather than an extrapolation.

Caveat. Formation-energy models predict *stability* (the small difference to competing phases)
much worse than formation energies themselves (Bartel et al. 2020): here the target already is that
difference, but it is learned from ~650 experimental compounds, most unlike solid electrolytes, and
the cross-validated error (:meth:`StabilisationModel.cross_validate`, grouped by chemical system) is
of the same order as the stabilisation energies themselves. The table has no ternary sulfide
without oxygen, so predictions for thiophosphates or thiostannates are extrapolations. Treat the
corrected enthalpy as a documented approximation, reported per candidate (``enthalpy_source``),
not as a measurement.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.featurizers.composition import (
    WARD_2016,
    ElementPropertyStats,
    as_packed_compositions_fast,
)
from electroscreen.featurizers.hull import hull_decomposition
from electroscreen.featurizers.thermo import (
    EXP_TABLE_CITATION,
    chemical_system,
    composition_key,
    enthalpy_table,
)

__all__ = [
    "BARTEL_2020",
    "SOURCE_CORRECTED",
    "SOURCE_HULL",
    "SOURCE_KNOWN",
    "StabilisationModel",
    "corrected_enthalpy",
    "default_stabilisation_model",
    "hull_features",
    "stabilisation_features",
    "stabilisation_targets",
]

BARTEL_2020 = (
    "C. J. Bartel, A. Trewartha, Q. Wang, A. Dunn, A. Jain, G. Ceder, A critical examination of "
    "compound stability predictions from machine-learned formation energies, npj Comput. Mater. 6, "
    "97 (2020), doi:10.1038/s41524-020-00362-y"
)
FRIEDMAN_2001 = (
    "J. H. Friedman, Greedy function approximation: a gradient boosting machine, Ann. Stat. 29, "
    "1189-1232 (2001), doi:10.1214/aos/1013203451"
)
#: ``enthalpy_source`` values of :func:`corrected_enthalpy`.
SOURCE_KNOWN = "known"
SOURCE_HULL = "hull_decomposition"
SOURCE_CORRECTED = "hull_decomposition+stabilisation_model"

HULL_FEATURES = ("hull_energy_ev_per_atom", "n_elements", "hull_element_fraction", "hull_n_phases")
#: Elements that count as anions when the applicability domain is decided (see StabilisationModel).
ANION_ELEMENTS = frozenset(
    SYMBOL_TO_Z[s] for s in ("O", "S", "Se", "Te", "N", "F", "Cl", "Br", "I")
)


def anion_set(z: np.ndarray | list[int]) -> frozenset[int]:
    """The anion elements (:data:`ANION_ELEMENTS`) of a composition, as atomic numbers."""
    return frozenset(int(e) for e in z) & ANION_ELEMENTS


def hull_features(
    z: np.ndarray | list[int], amount: np.ndarray | list[float], water: str = "liquid"
) -> tuple[float, float, float, float]:
    """Hull of a composition built from every *other* tabulated compound of its chemical system.

    Table rows with exactly this composition (up to scale) are left out, so a tabulated compound is
    described as an untabulated candidate would be.

    Parameters
    ----------
    z, amount : array-like
        Atomic numbers and amounts (any scale; repeated elements are summed).
    water : {"liquid", "gas"}

    Returns
    -------
    tuple of float
        ``(hull energy eV/atom, number of elements, atom fraction of the decomposition that is pure
        elements, number of phases)``, in the order of ``HULL_FEATURES``.
    """
    z = np.asarray(z, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.float64)
    system = chemical_system(tuple(sorted(set(z.tolist()))), water)
    d = len(system.elements)
    comp = np.zeros(d)
    for zz, a in zip(z, amount, strict=True):
        comp[system.elements.index(int(zz))] += a
    comp /= comp.sum()
    keep = ~np.all(np.abs(system.matrix - comp[None, :]) < 1e-6, axis=1)
    keep[:d] = True  # the elements stay (a one-element "composition" is its own reference)
    idx = np.full(d, -1, dtype=np.int64)
    amt = np.zeros(d)
    energy = hull_decomposition(
        np.ascontiguousarray(system.matrix[keep]), system.energy[keep], comp, idx, amt
    )
    used = idx >= 0
    element_fraction = float(amt[used & (idx < d)].sum())
    return float(energy), float(d), element_fraction, float(used.sum())


def stabilisation_targets(water: str = "liquid", min_elements: int = 3) -> pd.DataFrame:
    """Leave-one-out stabilisation energy of every tabulated composition with >= ``min_elements``.

    Returns
    -------
    DataFrame
        One row per composition (the lowest-enthalpy table row when a composition is tabulated more
        than once): ``name``, ``table_index``, ``chemical_system`` (``"Li-O-P"``: the CV group),
        ``enthalpy_ev_per_atom``, the :data:`HULL_FEATURES` and ``stabilisation_ev_per_atom`` =
        enthalpy - hull energy of the other entries.
    """
    from electroscreen.data.formula import ELEMENT_SYMBOLS

    table = enthalpy_table(water)
    rows = []
    for index in sorted(table.known.values()):
        z = np.flatnonzero(table.fractions[index] > 0)
        if len(z) < min_elements:
            continue
        feats = hull_features(z, table.fractions[index, z], water)
        rows.append(
            (
                table.names[index],
                index,
                "-".join(sorted(ELEMENT_SYMBOLS[int(e)] for e in z)),
                table.energy[index],
                *feats,
                table.energy[index] - feats[0],
            )
        )
    columns = ["name", "table_index", "chemical_system", "enthalpy_ev_per_atom"]
    return pd.DataFrame(rows, columns=[*columns, *HULL_FEATURES, "stabilisation_ev_per_atom"])


def stabilisation_features(X: object, water: str = "liquid") -> tuple[np.ndarray, np.ndarray]:
    """Model inputs of compositions: 132 Magpie statistics + the four :func:`hull_features`.

    Parameters
    ----------
    X : list of formulas, candidate table or PackedCompositions
    water : {"liquid", "gas"}

    Returns
    -------
    features : ndarray (n, 136)
        NaN rows where the composition could not be read.
    status : ndarray of object (n,)
        ``"ok"`` or the parse status of the row.
    """
    packed = as_packed_compositions_fast(X)
    hull = np.full((len(packed), len(HULL_FEATURES)), np.nan)
    status = packed.status.copy()
    for i in range(len(packed)):
        lo, hi = packed.offsets[i], packed.offsets[i + 1]
        if status[i] != OK or lo == hi:
            continue
        amount = packed.amount[lo:hi]
        if not amount.sum() > 0 or (amount < 0).any():
            status[i] = "non_positive_amounts"
            continue
        hull[i] = hull_features(packed.z[lo:hi], amount, water)
    values = _with_magpie(packed, hull)
    values[status != OK] = np.nan
    return values, status


def _with_magpie(packed: PackedCompositions, hull: np.ndarray) -> np.ndarray:
    """The model inputs: Magpie statistics of ``packed`` followed by its hull features."""
    return np.hstack([ElementPropertyStats(impute_nan=True).transform(packed), hull])


def _table_packed(table_index: np.ndarray, water: str) -> PackedCompositions:
    """Table rows as PackedCompositions (atom fractions as amounts)."""
    fractions = enthalpy_table(water).fractions[table_index]
    z = [np.flatnonzero(row > 0) for row in fractions]
    offsets = np.concatenate([[0], np.cumsum([len(zz) for zz in z])]).astype(np.int64)
    n = len(fractions)
    return PackedCompositions(
        offsets=offsets,
        z=np.concatenate(z).astype(np.int64),
        amount=np.concatenate([row[zz] for row, zz in zip(fractions, z, strict=True)]),
        status=np.full(n, OK, dtype=object),
        error=np.full(n, "", dtype=object),
    )


class StabilisationModel:
    """Predicted stabilisation (eV/atom, <= 0) of a composition below its tabulated-phase hull.

    Parameters
    ----------
    water : {"liquid", "gas"}
        Water phase of the enthalpy table (only H-O systems differ).
    min_elements : int
        Train on tabulated compositions with at least this many elements (default 3; adding the
        binaries did not lower the CV error on the ternaries and up).
    n_estimators, learning_rate, max_depth, subsample, max_features
        Of ``sklearn.ensemble.GradientBoostingRegressor`` (Huber loss).
    random_state : int
        Seed of the boosting subsamples; same seed, same predictions.
    min_domain_count : int
        Applicability domain: a composition is corrected only when at least this many training
        compositions share its set of anion elements (:func:`anion_set`; e.g. {O} 221, {O, S} 32,
        {F} 10, but no ternary with S alone: the table holds no sulfide beyond binaries), and it has
        at least ``min_elements`` elements. Elsewhere the model would extrapolate.

    Attributes
    ----------
    targets_ : DataFrame
        :func:`stabilisation_targets` used for training.
    regressor_ : GradientBoostingRegressor
    domain_ : frozenset of frozenset
        Anion sets inside the applicability domain.

    Examples
    --------
    >>> model = StabilisationModel().fit()
    >>> bool((model.predict(["Li7La3Zr2O12", "Li3PS4"]) <= 0).all())
    True
    """

    def __init__(
        self,
        water: str = "liquid",
        min_elements: int = 3,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        max_depth: int = 3,
        subsample: float = 0.8,
        max_features: float | None = 0.3,
        random_state: int = 0,
        min_domain_count: int = 10,
    ) -> None:
        self.water = water
        self.min_elements = min_elements
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.subsample = subsample
        self.max_features = max_features
        self.random_state = random_state
        self.min_domain_count = min_domain_count

    def _regressor(self):
        from sklearn.ensemble import GradientBoostingRegressor

        return GradientBoostingRegressor(
            loss="huber",
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            max_depth=self.max_depth,
            subsample=self.subsample,
            max_features=self.max_features,
            random_state=self.random_state,
        )

    def training_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(features, stabilisation eV/atom, chemical-system group)`` of the training set."""
        targets = stabilisation_targets(self.water, self.min_elements)
        self.targets_ = targets
        packed = _table_packed(targets["table_index"].to_numpy(), self.water)
        magpie = ElementPropertyStats(impute_nan=True).transform(packed)
        features = np.hstack([magpie, targets[list(HULL_FEATURES)].to_numpy()])
        y = targets["stabilisation_ev_per_atom"].to_numpy()
        return features, y, targets["chemical_system"].to_numpy()

    def fit(self, X: object = None, y: object = None) -> StabilisationModel:
        """Train on the enthalpy table (``X`` and ``y`` are ignored: the table is the data)."""
        features, target, _ = self.training_data()
        self.regressor_ = self._regressor().fit(features, target)
        table = enthalpy_table(self.water)
        counts: dict[frozenset[int], int] = {}
        for index in self.targets_["table_index"]:
            key = anion_set(np.flatnonzero(table.fractions[index] > 0))
            counts[key] = counts.get(key, 0) + 1
        self.domain_ = frozenset(k for k, c in counts.items() if k and c >= self.min_domain_count)
        return self

    def in_domain(self, packed: PackedCompositions) -> np.ndarray:
        """Whether each composition is inside the applicability domain (see ``min_domain_count``)."""
        out = np.zeros(len(packed), dtype=bool)
        for i in range(len(packed)):
            z = packed.z[packed.offsets[i] : packed.offsets[i + 1]]
            out[i] = len(set(z.tolist())) >= self.min_elements and anion_set(z) in self.domain_
        return out

    def predict_with_hull(self, packed: PackedCompositions, hull: np.ndarray) -> np.ndarray:
        """:meth:`predict` from already computed :data:`HULL_FEATURES` (rows of ``hull``)."""
        if not hasattr(self, "regressor_"):
            raise RuntimeError("StabilisationModel is not fitted; call fit() first")
        if len(packed) == 0:
            return np.zeros(0)
        return np.minimum(self.regressor_.predict(_with_magpie(packed, hull)), 0.0)

    def predict(self, X: object) -> np.ndarray:
        """Stabilisation (eV/atom, clipped to <= 0) of each composition; NaN for unreadable rows.

        ``X``: formulas, a candidate table or PackedCompositions. A tabulated composition is
        predicted as if it were not tabulated (its own rows are left out of its hull).
        """
        if not hasattr(self, "regressor_"):
            raise RuntimeError("StabilisationModel is not fitted; call fit() first")
        features, status = stabilisation_features(X, self.water)
        out = np.full(len(features), np.nan)
        ok = status == OK
        if ok.any():
            out[ok] = np.minimum(self.regressor_.predict(features[ok]), 0.0)
        return out

    def cross_validate(self, n_splits: int = 5) -> dict[str, float]:
        """Grouped (by chemical system) K-fold MAE of the model and of trivial baselines, eV/atom.

        Returns
        -------
        dict
            ``mae_model`` (clipped predictions, as :meth:`predict` gives them), ``mae_zero``
            (predict 0, i.e. the plain hull approximation), ``mae_mean`` and ``mae_median`` (the
            training-fold mean / median), ``mae_model_vs_clipped`` and ``mae_zero_vs_clipped`` (the
            same against ``min(target, 0)``, the part a clipped model can represent), ``n``.
        """
        from sklearn.model_selection import GroupKFold

        features, y, groups = self.training_data()
        pred, mean, median = (np.zeros(len(y)) for _ in range(3))
        for train, test in GroupKFold(n_splits).split(features, y, groups):
            regressor = self._regressor().fit(features[train], y[train])
            pred[test] = np.minimum(regressor.predict(features[test]), 0.0)
            mean[test] = y[train].mean()
            median[test] = np.median(y[train])
        clipped = np.minimum(y, 0.0)
        return {
            "mae_model": float(np.abs(pred - y).mean()),
            "mae_zero": float(np.abs(y).mean()),
            "mae_mean": float(np.abs(mean - y).mean()),
            "mae_median": float(np.abs(median - y).mean()),
            "mae_model_vs_clipped": float(np.abs(pred - clipped).mean()),
            "mae_zero_vs_clipped": float(np.abs(clipped).mean()),
            "n": float(len(y)),
        }

    def citations(self) -> list[str]:
        return [BARTEL_2020, WARD_2016, FRIEDMAN_2001, EXP_TABLE_CITATION]


@lru_cache(maxsize=2)
def default_stabilisation_model(water: str = "liquid") -> StabilisationModel:
    """:class:`StabilisationModel` with default parameters, trained once per process and water.

    Training takes about 1.5 s of CPU on one core (leave-one-out hulls and features ~0.15 s,
    boosting ~1.2 s), on top of loading :func:`~electroscreen.featurizers.thermo.enthalpy_table`
    (~0.4 s).
    """
    return StabilisationModel(water=water).fit()


def corrected_enthalpy(
    z: np.ndarray | list[int],
    amount: np.ndarray | list[float],
    water: str = "liquid",
    model: StabilisationModel | None = None,
) -> tuple[float, str]:
    """Formation enthalpy (eV/atom) of a candidate and which approximation gave it.

    Parameters
    ----------
    z, amount : array-like
        Atomic numbers and amounts per formula unit.
    water : {"liquid", "gas"}
    model : StabilisationModel, optional
        Default: :func:`default_stabilisation_model` of ``water``.

    Returns
    -------
    energy : float
        eV/atom.
    source : str
        ``"known"``: tabulated enthalpy (0 for a pure element). ``"hull_decomposition"``: hull
        energy only, used outside the model's applicability domain (fewer elements than it was
        trained on, or anion elements too rare in its training set, e.g. sulfides without oxygen).
        ``"hull_decomposition+stabilisation_model"``: hull energy plus the predicted stabilisation.

    Examples
    --------
    >>> energy, source = corrected_enthalpy([3, 15, 8], [3, 1, 4])  # Li3PO4 is tabulated
    >>> source
    'known'
    """
    z = np.asarray(z, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.float64)
    if len(z) == 0 or len(z) != len(amount) or not amount.sum() > 0 or (amount < 0).any():
        raise ValueError(f"need matching non-empty z and positive amounts, got {z!r}, {amount!r}")
    table = enthalpy_table(water)
    hit = table.known.get(composition_key(z, amount))
    if hit is not None:
        return float(table.energy[hit]), SOURCE_KNOWN
    if len(set(z.tolist())) == 1:
        return 0.0, SOURCE_KNOWN
    model = default_stabilisation_model(water) if model is None else model
    e_hull = hull_features(z, amount, water)[0]
    packed = PackedCompositions(
        offsets=np.asarray([0, len(z)], dtype=np.int64),
        z=z,
        amount=amount,
        status=np.asarray([OK], dtype=object),
        error=np.asarray([""], dtype=object),
    )
    if not model.in_domain(packed)[0]:
        return e_hull, SOURCE_HULL
    return e_hull + float(model.predict(packed)[0]), SOURCE_CORRECTED
