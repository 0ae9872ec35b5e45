"""Composition descriptors made for solid electrolytes: carrier ions, anion families, radii, HSAB.

Oxidation states come from :func:`electroscreen.data.oxidation.assign_oxidation_states` (one state per
element, fractional amounts, mixed valence allowed); elements with a positive state are cations,
those with a negative state anions. The carrier ion is the most abundant of Li, Na, K, Mg (or the one
named by ``carrier``); the other cations are the *framework* cations. Protons (H+) are left out of
the cation radius and hardness statistics: they belong to OH-/NH4+ groups, Shannon's H+ radii are
negative and an ion without electrons has no finite hardness.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.formula_text import packed_formula_units
from electroscreen.data.hydrogen_split import expand_split_hydrogen
from electroscreen.data.oxidation import oxidation_states_packed
from electroscreen.featurizers.base import PARALLEL_MIN_ROWS, ProblemCodeFeaturizer
from electroscreen.featurizers.composition.electrolyte_kernels import (
    electrolyte_kernel,
    electrolyte_serial,
)
from electroscreen.featurizers.composition.hsab import PARR_PEARSON_1983, PEARSON_1988
from electroscreen.featurizers.elements import (
    absolute_hardness_table,
    element_property,
    ionic_radius_table,
)

__all__ = [
    "ANION_FAMILIES",
    "CARRIER_IONS",
    "COUNT_BASES",
    "ElectrolyteComposition",
]

CARRIER_IONS: tuple[str, ...] = ("Li", "Na", "K", "Mg")
ANION_FAMILIES: tuple[str, ...] = ("O", "S", "Se", "Te", "F", "Cl", "Br", "I", "N", "H")
#: What ``<ion>_count`` and ``charge_residual`` are counted per (``count_basis``): the reduced formula
#: unit (:func:`~electroscreen.data.formula_reduction.formula_units`, the default), or the formula
#: as written (before 2026-12: ``Li7La3Zr2O12`` and its cell ``Li56La24Zr16O96`` differed).
COUNT_BASES: tuple[str, ...] = ("reduced_formula", "as_written")
_PER_UNIT = {
    "reduced_formula": "per reduced formula unit",
    "as_written": "per formula unit as written",
}

SHANNON_1976 = (
    "R. D. Shannon, Revised effective ionic radii and systematic studies of interatomic distances "
    "in halides and chalcogenides, Acta Cryst. A32, 751-767 (1976), doi:10.1107/S0567739476001551"
)
PAULING_1932 = (
    "L. Pauling, The nature of the chemical bond. IV. The energy of single bonds and the relative "
    "electronegativity of atoms, J. Am. Chem. Soc. 54, 3570-3582 (1932), doi:10.1021/ja01348a011; "
    "values as tabulated in pymatgen"
)
STOICHIOMETRY = "stoichiometry of the composition as written (no external data)"
OXIDATION = (
    "oxidation states from electroscreen.data.oxidation.assign_oxidation_states (charge balance "
    "over pymatgen's common and ICSD oxidation states)"
)

# Row problems found by the kernel, most fundamental first; the first one found is the row's status.
_PROBLEMS = (
    OK,
    "no_oxidation_state",
    "no_anion",
    "missing_ionic_radius",
    "missing_hardness",
    "no_framework_cation",
)


def _feature_table(count_basis: str = "reduced_formula") -> list[tuple[str, str, str]]:
    """(name, unit, citation) of every feature, in output order."""
    per_unit = _PER_UNIT[count_basis]
    rows: list[tuple[str, str, str]] = []
    for ion in CARRIER_IONS:
        rows.append((f"{ion}_fraction", "atom fraction", STOICHIOMETRY))
        rows.append((f"{ion}_count", f"atoms {per_unit}", STOICHIOMETRY))
    for family in ANION_FAMILIES:
        rows.append((f"anion_fraction_{family}", "fraction of anions", OXIDATION))
    for ion in ("cation", "anion"):
        rows.append((f"{ion}_radius_mean", "Angstrom", SHANNON_1976))
        rows.append((f"{ion}_radius_std", "Angstrom", SHANNON_1976))
    rows.append(("electronegativity_difference", "Pauling", PAULING_1932))
    for name in ("framework_cation_hardness", "anion_hardness", "hardness_difference"):
        rows.append((name, "eV", f"{PARR_PEARSON_1983}; {PEARSON_1988}"))
    rows.append(("charge_residual", f"e {per_unit}", OXIDATION))
    rows.append(("mixed_valence", "0/1", OXIDATION))
    return rows


_FEATURES = _feature_table()
_COUNT_COLUMNS = np.asarray(
    [k for k, (name, _, _) in enumerate(_FEATURES) if name.endswith("_count")]
    + [k for k, (name, _, _) in enumerate(_FEATURES) if name == "charge_residual"],
    dtype=np.int64,
)


class ElectrolyteComposition(ProblemCodeFeaturizer):
    """Electrolyte-specific composition descriptors (28 features, each with unit and citation).

    Features, in order:

    * ``<ion>_fraction``, ``<ion>_count`` for Li, Na, K, Mg: atom fraction and atoms per reduced
      formula unit (``count_basis``).
    * ``anion_fraction_<X>`` for O, S, Se, Te, F, Cl, Br, I, N, H: share of the anion amount
      (elements with a negative assigned state) that is element X; hydride H only, not OH.
    * ``cation_radius_mean``/``_std``, ``anion_radius_mean``/``_std``: amount-weighted mean and
      population standard deviation of Shannon ionic radii (six-fold coordination, see
      :func:`~electroscreen.featurizers.elements.ionic_radius_table`) of the assigned states.
    * ``electronegativity_difference``: mean Pauling electronegativity of anions minus that of
      cations (amount-weighted).
    * ``framework_cation_hardness``, ``anion_hardness``, ``hardness_difference``: amount-weighted
      Pearson absolute hardness of the framework (non-carrier) cations and of the anions, and their
      difference; hard-hard pairs give large positive values, soft frameworks on hard anions
      negative ones.
    * ``charge_residual``: net charge per reduced formula unit of the assigned states (0 when
      balanced); ``mixed_valence``: 1 when an element needed a non-integer state.

    Parameters
    ----------
    carrier : str
        ``"auto"`` (the most abundant of Li, Na, K, Mg) or one of those symbols.
    radius_kind : {"ionic", "crystal"}
        Shannon effective ionic radii (default) or crystal radii.
    count_basis : {"reduced_formula", "as_written"}
        What ``<ion>_count`` and ``charge_residual`` count per. ``"reduced_formula"`` (default): the
        composition divided by its formula units
        (:func:`~electroscreen.data.formula_reduction.formula_units`, amounts kept to two decimals),
        so ``Li7La3Zr2O12``, ``Li14La6Zr4O24`` and the garnet cell ``Li56La24Zr16O96`` all give
        ``Li_count`` 7, and ``Li51.2La24Zr11.2Ta4.8O96`` gives 6.4. A cell whose reduction would need
        more decimals stays as written (``Li20.74Ge2.7P3.3S24``: 20.74). ``"as_written"``: per
        formula unit as written, the definition before this parameter, which a featurizer or model
        pickled earlier keeps.

    Notes
    -----
    A row's status is ``ok`` unless a feature is undefined; then it is the first of
    ``no_oxidation_state``, ``no_anion``, ``missing_ionic_radius``, ``missing_hardness``,
    ``no_framework_cation`` that applies. An unbalanced composition keeps the closest assignment and
    status ``ok``; its ``charge_residual`` tells.

    Examples
    --------
    >>> values = ElectrolyteComposition().transform(["Li7La3Zr2O12"])
    >>> float(values[0, 1]), float(values[0, 8])  # Li_count, anion_fraction_O
    (7.0, 1.0)
    """

    feature_table = _FEATURES
    problem_statuses = _PROBLEMS
    #: Pickled before ``count_basis``: counts per formula unit as written.
    _legacy_state = {"count_basis": "as_written"}

    def __init__(
        self,
        carrier: str = "auto",
        radius_kind: str = "ionic",
        count_basis: str = "reduced_formula",
    ) -> None:
        self.carrier = carrier
        self.radius_kind = radius_kind
        self.count_basis = count_basis

    def feature_units(self) -> dict[str, str]:
        """Unit of every output feature under the configured ``count_basis``."""
        return {name: unit for name, unit, _ in _feature_table(self._count_basis())}

    def _count_basis(self) -> str:
        if self.count_basis not in COUNT_BASES:
            raise ValueError(f"count_basis must be one of {COUNT_BASES}, got {self.count_basis!r}")
        return self.count_basis

    def citations(self) -> list[str]:
        """The distinct references of the feature table, sorted (the stoichiometry and
        oxidation-state notes are not references)."""
        return sorted({cite for _, _, cite in _FEATURES if cite not in (STOICHIOMETRY, OXIDATION)})

    def _carrier_z(self) -> int:
        if self.carrier == "auto":
            return 0
        if self.carrier not in CARRIER_IONS:
            raise ValueError(
                f"carrier must be 'auto' or one of {CARRIER_IONS}, got {self.carrier!r}"
            )
        return SYMBOL_TO_Z[self.carrier]

    def _run(self, packed: PackedCompositions) -> tuple[np.ndarray, np.ndarray]:
        ions, oxidation, residual, mixed = _oxidation_arrays(packed)
        kernel = electrolyte_kernel if len(packed) >= PARALLEL_MIN_ROWS else electrolyte_serial
        values, problem = kernel(
            ions.offsets,
            ions.z,
            ions.amount,
            oxidation,
            residual,
            mixed,
            np.asarray([SYMBOL_TO_Z[s] for s in CARRIER_IONS], dtype=np.int64),
            np.asarray([SYMBOL_TO_Z[s] for s in ANION_FAMILIES], dtype=np.int64),
            self._carrier_z(),
            ionic_radius_table(self.radius_kind),
            absolute_hardness_table(),
            element_property("pauling_electronegativity"),
        )
        if self._count_basis() == "reduced_formula" and len(packed):
            values[:, _COUNT_COLUMNS] /= packed_formula_units(packed)[:, None]
        return values, problem


def _oxidation_arrays(
    packed: PackedCompositions,
) -> tuple[PackedCompositions, np.ndarray, np.ndarray, np.ndarray]:
    """The compositions as ions, per-entry oxidation states, per-row residual and mixed-valence
    flag (NaN where unassigned). Hydrogen that is hydridic and protic at once is two entries, H-1
    and H+1 (:func:`~electroscreen.data.hydrogen_split.expand_split_hydrogen`): Li4(BH4)(NH2)3's
    4 H- are anions, its 6 H+ protons, not 10 H at +0.2."""
    oxidation = oxidation_states_packed(packed)
    ions, states = expand_split_hydrogen(packed, oxidation.states)
    return ions, states, oxidation.residual, oxidation.mixed_valence.astype(np.float64)
