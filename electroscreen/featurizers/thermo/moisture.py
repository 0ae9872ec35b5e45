"""Moisture chemistry: a few descriptors of *why* an electrolyte reacts with humid air.

The air-stability classifier should carry to structural families it has not seen (issue 18), so its
inputs are chemistry rather than family fingerprints: the reaction energy with water on the
experimental-enthalpy hull (:class:`~electroscreen.featurizers.thermo.reactivity.AirReactivity`), the
H2S and H2Se its hydrolysis releases per atom (``h2s_h2se_per_atom``: the reaction with water among
products that keep every anion's oxidation state, :mod:`~electroscreen.featurizers.thermo.hydrolysis`,
not the hull's global minimum, which for Na2S and the selenides oxidises the anion and evolves H2;
``h2s_per_atom``, its name before H2Se was counted, still reads the same column), whether the product is a hydrate, HSAB pairing of framework cations and
anions (:class:`~electroscreen.featurizers.composition.hsab_pairs.HSABPairing`), bond ionicity and the
carrier (alkali) content (:class:`~electroscreen.featurizers.composition.electrolyte.ElectrolyteComposition`),
``mixed_valence`` (1 when a balanced oxidation-state assignment needs a non-integer state) and
``borane_cluster`` (1 when the composition holds B and H with at most 1.5 H per B: a polyhedral
closo/nido/carba-closo borane anion such as B12H12 2-, B11H14 - or CB11H12 -, slow to hydrolyse
although the hull says it reacts, unlike BH4 -; in a hydrate or ammoniate such as Li2B12H12·7H2O
only the hydridic hydrogen counts, :mod:`~electroscreen.data.hydrogen_split`). ``mixed_valence`` also marks borane anions, but it
fires on any off-stoichiometric composition too (Li3.2PS4, doped garnets): a model trained on it
called Li3.2PS4 air-stable (benchmarks/README.md); ``configs/air_stability_borane.yaml`` uses
``borane_cluster``.

``oxide_anion_fraction`` is the share of the anion *atoms* (the elements given a negative oxidation
state) that are O: Li3PS4 0, Li3PS3O 0.25, Li3OCl 0.5, Li2PO2N 2/3, Li3PO4 and Li2SO4 1 (sulfate S
and nitrate N are cations), NaN without anions (ElectrolyteComposition's ``anion_fraction_O``, one
home for the fact). It tells an oxysulfide from a sulfide, which the hull descriptors no longer do
since the stabilisation correction follows the anions' oxidation states. Atoms, not anion charge:
the two agree for O2-/S2- mixes, and by atoms the value is the make-up of the anion sublattice
whatever the other anions' charge (Cl-, N3-, H-). Available, not in the default model: none of the
four ways of adding it met issue 18's selection rule (benchmarks/README.md, *the anion mix*).

``halide_anion_class`` is 1 where the composition's anion class is halide
(:func:`~electroscreen.data.anion_classes.anion_classes`: the anion group of largest amount, so
Li3InCl6, LiNbOCl4 and Li3OCl are halides, Li6PS5Cl a chalcogenide), else 0. The default model's
logistic member reads it (twenty-eighth session, a halide chemist's audit): on its other four
descriptors it could not tell Li chlorides apart (its score 0.45-0.59 for every one, 0.33 for LiCl)
and placed each unlabelled chloro-metallate (LiGaCl4, LiTaCl6) above every labelled Li chloride,
since for a chloride the H2O reaction is that of its LiCl part only.

``features`` picks the columns (default: the H2O reaction energy alone). The default
air-stability model (``configs/air_stability.yaml``) names its own (``benchmarks/README.md``,
issue 18).

Every descriptor is computed at the composition balanced exactly by its ``carrier``
(:func:`~electroscreen.data.carrier_balance.carrier_balanced`, the rule ``screen``'s window and
interface objectives follow): a refined CIF's ``Li3In1.015Cl6`` as ``Li2.955In1.015Cl6``, whose
hull holds no trace of In metal to react with water or CO2. A composition already balanced, one
without the carrier or without oxidation states is taken as given, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from electroscreen.data.anion_classes import ANION_CLASSES, anion_classes
from electroscreen.data.cage_hydrogen import hydridic_borane_cluster
from electroscreen.data.candidates import OK, merge_status
from electroscreen.data.carrier_balance import carrier_balanced
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.oxidation import oxidation_states_packed
from electroscreen.data.segments import segment_sum
from electroscreen.featurizers.base import CompositionFeaturizer, as_packed_compositions
from electroscreen.featurizers.composition.electrolyte import ElectrolyteComposition
from electroscreen.featurizers.composition.hsab_pairs import HSABPairing
from electroscreen.featurizers.thermo.reactivity import AirReactivity

__all__ = ["DEFAULT_MOISTURE_FEATURES", "MOISTURE_FEATURES", "MoistureChemistry"]

_REACT = "reaction energies on the experimental-enthalpy hull (AirReactivity)"
_HSAB = "HSAB pairing (HSABPairing: Pearson 1963; Parr & Pearson 1983)"
_ELEC = "electrolyte composition descriptors (ElectrolyteComposition)"
#: Every feature the featurizer can output: name, unit, where it comes from.
MOISTURE_FEATURES: tuple[tuple[str, str, str], ...] = (
    ("rxn_h2o_ev_per_atom", "eV/atom of reacting mixture", _REACT),
    ("rxn_co2_ev_per_atom", "eV/atom of reacting mixture", _REACT),
    (
        "h2s_h2se_per_atom",
        "mol H2S + H2Se per mol atoms of candidate (hydrolysis without redox)",
        _REACT,
    ),
    ("hydrate_formed", "0/1", _REACT),
    ("hsab_hard_acid_soft_base", "fraction of classified pairs", _HSAB),
    ("framework_cation_hardness", "eV", _ELEC),
    ("anion_hardness", "eV", _ELEC),
    ("electronegativity_difference", "Pauling units", _ELEC),
    ("carrier_fraction", "atom fraction (Li + Na + K)", _ELEC),
    ("mixed_valence", "0/1", "oxidation-state assignment (electroscreen.data.oxidation)"),
    ("borane_cluster", "0/1", "composition: B and H with H/B <= 1.5 (polyhedral borane anion)"),
    ("oxide_anion_fraction", "fraction of anion atoms", _ELEC + ": anion_fraction_O"),
    ("halide_anion_class", "0/1", "anion class (electroscreen.data.anion_classes): halide"),
)
DEFAULT_MOISTURE_FEATURES = ("rxn_h2o_ev_per_atom",)
_NAMES = tuple(name for name, _, _ in MOISTURE_FEATURES)
_TABLE = {name: (unit, cite) for name, unit, cite in MOISTURE_FEATURES}
#: Earlier names still accepted (a model pickled or a config written before), -> the column.
_ALIASES = {"h2s_per_atom": "h2s_h2se_per_atom"}
_REACT_NAMES = {"rxn_h2o_ev_per_atom", "rxn_co2_ev_per_atom", "h2s_h2se_per_atom", "hydrate_formed"}


class MoistureChemistry(CompositionFeaturizer):
    """Transferable moisture-chemistry descriptors (a chosen subset of :data:`MOISTURE_FEATURES`).

    Parameters
    ----------
    features : sequence of str
        Names from :data:`MOISTURE_FEATURES` (default :data:`DEFAULT_MOISTURE_FEATURES`).
    carrier : str or None
        Element symbol of the mobile ion whose amount balances each composition's residual charge
        before any descriptor is computed (module docstring; default ``"Li"``, ``screen``'s default
        carrier); ``None``: the composition as given (a featurizer pickled before the option).

    Examples
    --------
    >>> values = MoistureChemistry(["rxn_h2o_ev_per_atom", "h2s_h2se_per_atom"]).transform(["Li3PS4"])
    >>> bool(values[0, 0] < -0.1), round(float(values[0, 1]), 9)
    (True, 0.5)
    """

    #: Pickled before ``carrier`` existed: the composition as given.
    _legacy_state = {"carrier": None}

    def __init__(
        self, features: Sequence[str] = DEFAULT_MOISTURE_FEATURES, carrier: str | None = "Li"
    ) -> None:
        self.features = features
        self.carrier = carrier

    def _columns(self) -> list[str]:
        names = list(self.features)
        unknown = [n for n in names if n not in _NAMES and n not in _ALIASES]
        if unknown or not names:
            raise ValueError(f"features must be a non-empty subset of {_NAMES}, got {unknown}")
        return names

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names of the selected ``features``, in their order (``input_features`` is ignored)."""
        return np.asarray(self._columns(), dtype=object)

    def feature_units(self) -> dict[str, str]:
        """Unit of each selected feature."""
        return {n: _TABLE[_ALIASES.get(n, n)][0] for n in self._columns()}

    def feature_citations(self) -> dict[str, str]:
        """Reference of each selected feature."""
        return {n: _TABLE[_ALIASES.get(n, n)][1] for n in self._columns()}

    def citations(self) -> list[str]:
        """References of the featurizers it draws on (air reactivity, HSAB pairing, electrolyte
        composition), sorted."""
        parts = (AirReactivity(), HSABPairing(), ElectrolyteComposition())
        return sorted({c for part in parts for c in part.citations()})

    def _featurize(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        names = self._columns()
        packed = as_packed_compositions(X)
        if self.carrier is not None:
            if self.carrier not in SYMBOL_TO_Z:
                raise ValueError(f"unknown carrier element {self.carrier!r}")
            packed, _ = carrier_balanced(packed, self.carrier)
        status = packed.status.copy()
        columns: dict[str, np.ndarray] = {}
        need = {_ALIASES.get(n, n) for n in names}
        if need & _REACT_NAMES:
            air = AirReactivity()
            values, st = air.transform_with_status(packed)
            status, _ = merge_status(status, st)
            cols = dict(zip(air.get_feature_names_out(), values.T, strict=True))
            atoms = segment_sum(packed.amount, packed.offsets)  # each row's own atoms
            with np.errstate(divide="ignore", invalid="ignore"):
                cols["h2s_h2se_per_atom"] = cols["h2s_per_formula_unit"] / atoms
            columns.update(cols)
        if "hsab_hard_acid_soft_base" in need:
            hsab = HSABPairing()
            values, _ = hsab.transform_with_status(packed)  # NaN where a pair is unclassified
            columns.update(dict(zip(hsab.get_feature_names_out(), values.T, strict=True)))
        if need & {
            "framework_cation_hardness",
            "anion_hardness",
            "electronegativity_difference",
            "carrier_fraction",
            "oxide_anion_fraction",
        }:
            elec = ElectrolyteComposition()
            values, _ = elec.transform_with_status(packed)
            cols = dict(zip(elec.get_feature_names_out(), values.T, strict=True))
            cols["carrier_fraction"] = (
                cols["Li_fraction"] + cols["Na_fraction"] + cols["K_fraction"]
            )
            cols["oxide_anion_fraction"] = cols["anion_fraction_O"]
            columns.update(cols)
        if "mixed_valence" in need and "mixed_valence" not in columns:  # no electrolyte block:
            columns["mixed_valence"] = _mixed_valence(packed)  # the oxidation kernel alone
        if "halide_anion_class" in need:
            halide = ANION_CLASSES.index("halide")
            is_halide = (anion_classes(packed) == halide).astype(np.float64)
            columns["halide_anion_class"] = np.where(packed.status == OK, is_halide, np.nan)
        if "borane_cluster" in need:
            columns["borane_cluster"] = hydridic_borane_cluster(packed)
        out = np.column_stack(
            [np.asarray(columns[_ALIASES.get(n, n)], dtype=np.float64) for n in names]
        )
        return out, status


def _mixed_valence(packed: object) -> np.ndarray:
    """Per row: 1.0 when the balanced assignment needs a non-integer state, 0.0 when not, NaN when
    no states could be assigned (the ``mixed_valence`` column of ElectrolyteComposition)."""
    oxidation = oxidation_states_packed(packed)
    flag = oxidation.mixed_valence.astype(np.float64)
    starts = packed.offsets[:-1]
    empty = packed.offsets[1:] == starts
    first = np.full(len(starts), np.nan)  # every row empty (a batch of bad formulas): all NaN
    first[~empty] = oxidation.states[starts[~empty]]
    flag[empty | np.isnan(first)] = np.nan
    return flag
