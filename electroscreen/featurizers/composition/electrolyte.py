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
from numba import njit, prange

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.oxidation import oxidation_states_packed
from electroscreen.featurizers.base import PARALLEL_MIN_ROWS, ProblemCodeFeaturizer
from electroscreen.featurizers.composition.hsab import PARR_PEARSON_1983, PEARSON_1988
from electroscreen.featurizers.elements import (
    OXIDATION_OFFSET,
    absolute_hardness_table,
    element_property,
    ionic_radius_table,
)

__all__ = [
    "ANION_FAMILIES",
    "CARRIER_IONS",
    "ElectrolyteComposition",
    "electrolyte_kernel",
    "electrolyte_serial",
]

CARRIER_IONS: tuple[str, ...] = ("Li", "Na", "K", "Mg")
ANION_FAMILIES: tuple[str, ...] = ("O", "S", "Se", "Te", "F", "Cl", "Br", "I", "N", "H")

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


def _feature_table() -> list[tuple[str, str, str]]:
    """(name, unit, citation) of every feature, in output order."""
    rows: list[tuple[str, str, str]] = []
    for ion in CARRIER_IONS:
        rows.append((f"{ion}_fraction", "atom fraction", STOICHIOMETRY))
        rows.append((f"{ion}_count", "atoms per formula unit", STOICHIOMETRY))
    for family in ANION_FAMILIES:
        rows.append((f"anion_fraction_{family}", "fraction of anions", OXIDATION))
    for ion in ("cation", "anion"):
        rows.append((f"{ion}_radius_mean", "Angstrom", SHANNON_1976))
        rows.append((f"{ion}_radius_std", "Angstrom", SHANNON_1976))
    rows.append(("electronegativity_difference", "Pauling", PAULING_1932))
    for name in ("framework_cation_hardness", "anion_hardness", "hardness_difference"):
        rows.append((name, "eV", f"{PARR_PEARSON_1983}; {PEARSON_1988}"))
    rows.append(("charge_residual", "e per formula unit", OXIDATION))
    rows.append(("mixed_valence", "0/1", OXIDATION))
    return rows


_FEATURES = _feature_table()
N_FEATURES = len(_FEATURES)


@njit(cache=True)
def _weighted_mean_std(values: np.ndarray, weights: np.ndarray, count: int) -> tuple[float, float]:
    """Weighted mean and population standard deviation of the first ``count`` entries."""
    total = 0.0
    acc = 0.0
    for j in range(count):
        total += weights[j]
        acc += weights[j] * values[j]
    if total <= 0.0:
        return np.nan, np.nan
    mean = acc / total
    var = 0.0
    for j in range(count):
        var += weights[j] * (values[j] - mean) ** 2
    return mean, np.sqrt(var / total)


@njit(cache=True)
def _electrolyte_row(
    offsets,
    z,
    amount,
    oxidation,
    residual,
    mixed,
    carrier_z,
    anion_z,
    carrier,
    radius,
    hardness,
    chi,
    i,
    out,
    problem,
):
    """Descriptors of composition ``i`` into ``out[i]``, its problem code into ``problem[i]``."""
    n_car = carrier_z.shape[0]
    n_an = anion_z.shape[0]
    lo = offsets[i]
    hi = offsets[i + 1]
    m = hi - lo
    if m == 0:
        return
    total = 0.0
    for k in range(lo, hi):
        total += amount[k]
    # carrier ions: fraction and count, and which one is the carrier
    best = carrier
    best_amount = 0.0
    for c in range(n_car):
        count = 0.0
        for k in range(lo, hi):
            if z[k] == carrier_z[c]:
                count += amount[k]
        out[i, 2 * c] = count / total
        out[i, 2 * c + 1] = count
        if carrier == 0 and count > best_amount:
            best = carrier_z[c]
            best_amount = count
    col = 2 * n_car
    # oxidation-dependent descriptors
    if np.isnan(oxidation[lo]):
        problem[i] = 1
        return
    anion_total = 0.0
    for k in range(lo, hi):
        if oxidation[k] < 0:
            anion_total += amount[k]
    out[i, col + n_an + 8] = residual[i]
    out[i, col + n_an + 9] = mixed[i]
    if anion_total <= 0.0:
        problem[i] = 2
        return
    for a in range(n_an):
        share = 0.0
        for k in range(lo, hi):
            if oxidation[k] < 0 and z[k] == anion_z[a]:
                share += amount[k]
        out[i, col + a] = share / anion_total
    col += n_an
    cat_r = np.empty(m)
    cat_w = np.empty(m)
    an_r = np.empty(m)
    an_w = np.empty(m)
    an_eta = np.empty(m)
    fw_eta = np.empty(m)
    fw_w = np.empty(m)
    n_cat = 0
    n_an_entries = 0
    n_fw = 0
    chi_cat = 0.0
    w_cat = 0.0
    chi_an = 0.0
    for k in range(lo, hi):
        ox = int(np.floor(oxidation[k] + 0.5))
        j = min(max(ox, -OXIDATION_OFFSET), OXIDATION_OFFSET) + OXIDATION_OFFSET
        if oxidation[k] < 0:
            an_r[n_an_entries] = radius[z[k], j]
            an_w[n_an_entries] = amount[k]
            an_eta[n_an_entries] = hardness[z[k], j]
            n_an_entries += 1
            chi_an += amount[k] * chi[z[k]]
        elif oxidation[k] > 0:
            chi_cat += amount[k] * chi[z[k]]
            w_cat += amount[k]
            if z[k] == 1:
                continue  # protons: see the module docstring
            cat_r[n_cat] = radius[z[k], j]
            cat_w[n_cat] = amount[k]
            n_cat += 1
            if z[k] != best:
                fw_eta[n_fw] = hardness[z[k], j]
                fw_w[n_fw] = amount[k]
                n_fw += 1
    mean, std = _weighted_mean_std(cat_r, cat_w, n_cat)
    out[i, col] = mean
    out[i, col + 1] = std
    mean, std = _weighted_mean_std(an_r, an_w, n_an_entries)
    out[i, col + 2] = mean
    out[i, col + 3] = std
    if w_cat > 0.0:
        out[i, col + 4] = chi_an / anion_total - chi_cat / w_cat
    eta_an, _ = _weighted_mean_std(an_eta, an_w, n_an_entries)
    eta_fw, _ = _weighted_mean_std(fw_eta, fw_w, n_fw)
    out[i, col + 5] = eta_fw
    out[i, col + 6] = eta_an
    out[i, col + 7] = eta_fw - eta_an
    if np.isnan(out[i, col]) or np.isnan(out[i, col + 2]):
        problem[i] = 3
    elif np.isnan(eta_an) or (n_fw > 0 and np.isnan(eta_fw)):
        problem[i] = 4
    elif n_fw == 0:
        problem[i] = 5


@njit(cache=True, parallel=True)
def electrolyte_kernel(
    offsets: np.ndarray,
    z: np.ndarray,
    amount: np.ndarray,
    oxidation: np.ndarray,
    residual: np.ndarray,
    mixed: np.ndarray,
    carrier_z: np.ndarray,
    anion_z: np.ndarray,
    carrier: int,
    radius: np.ndarray,
    hardness: np.ndarray,
    chi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Electrolyte descriptors for CSR-packed compositions with one oxidation state per entry.

    Parameters
    ----------
    offsets, z, amount : CSR composition arrays (see ``PackedCompositions``).
    oxidation : float64 (K,)
        Oxidation state of each entry; NaN when none could be assigned.
    residual : float64 (N,)
        Net charge per formula unit of the assigned states.
    mixed : float64 (N,)
        1.0 when one element needed a mixed (non-integer) valence, else 0.0.
    carrier_z, anion_z : int64
        Atomic numbers of the carrier ions and of the anion families, in feature order.
    carrier : int
        Atomic number of the carrier ion, or 0 for "the most abundant of ``carrier_z``".
    radius, hardness : float64 (Zmax + 1, 17)
        Ion tables indexed ``[Z, ox + 8]``.
    chi : float64 (Zmax + 1,)
        Electronegativity per element.

    Returns
    -------
    values : float64 (N, F)
    problem : int64 (N,)
        Index into the status codes (0 = ok); the first problem found.
    """
    n = offsets.shape[0] - 1
    out = np.full((n, 2 * carrier_z.shape[0] + anion_z.shape[0] + 10), np.nan)
    problem = np.zeros(n, dtype=np.int64)
    for i in prange(n):
        _electrolyte_row(
            offsets,
            z,
            amount,
            oxidation,
            residual,
            mixed,
            carrier_z,
            anion_z,
            carrier,
            radius,
            hardness,
            chi,
            i,
            out,
            problem,
        )
    return out, problem


@njit(cache=True)
def electrolyte_serial(
    offsets: np.ndarray,
    z: np.ndarray,
    amount: np.ndarray,
    oxidation: np.ndarray,
    residual: np.ndarray,
    mixed: np.ndarray,
    carrier_z: np.ndarray,
    anion_z: np.ndarray,
    carrier: int,
    radius: np.ndarray,
    hardness: np.ndarray,
    chi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`electrolyte_kernel` on one thread, for small batches."""
    n = offsets.shape[0] - 1
    out = np.full((n, 2 * carrier_z.shape[0] + anion_z.shape[0] + 10), np.nan)
    problem = np.zeros(n, dtype=np.int64)
    for i in range(n):
        _electrolyte_row(
            offsets,
            z,
            amount,
            oxidation,
            residual,
            mixed,
            carrier_z,
            anion_z,
            carrier,
            radius,
            hardness,
            chi,
            i,
            out,
            problem,
        )
    return out, problem


class ElectrolyteComposition(ProblemCodeFeaturizer):
    """Electrolyte-specific composition descriptors (28 features, each with unit and citation).

    Features, in order:

    * ``<ion>_fraction``, ``<ion>_count`` for Li, Na, K, Mg: atom fraction and atoms per formula
      unit as written.
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
    * ``charge_residual``: net charge per formula unit of the assigned states (0 when balanced);
      ``mixed_valence``: 1 when an element needed a non-integer state.

    Parameters
    ----------
    carrier : str
        ``"auto"`` (the most abundant of Li, Na, K, Mg) or one of those symbols.
    radius_kind : {"ionic", "crystal"}
        Shannon effective ionic radii (default) or crystal radii.

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

    def __init__(self, carrier: str = "auto", radius_kind: str = "ionic") -> None:
        self.carrier = carrier
        self.radius_kind = radius_kind

    def citations(self) -> list[str]:
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
        oxidation, residual, mixed = _oxidation_arrays(packed)
        kernel = electrolyte_kernel if len(packed) >= PARALLEL_MIN_ROWS else electrolyte_serial
        return kernel(
            packed.offsets,
            packed.z,
            packed.amount,
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


def _oxidation_arrays(packed: PackedCompositions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-entry oxidation states, per-row residual and mixed-valence flag (NaN where unassigned)."""
    oxidation = oxidation_states_packed(packed)
    return oxidation.states, oxidation.residual, oxidation.mixed_valence.astype(np.float64)
