"""Minor cations and the host compositions a stabilisation correction is blended towards.

The stabilisation model (:class:`~electroscreen.featurizers.thermo.stabilisation.
StabilisationModel`) reads Magpie minimum, maximum and range statistics, the number of elements and
the number of phases of the hull: each of them jumps at a new element's first atom. Predicted for
itself, Li3OCl with one Ba per 20,000 formula units was 0.097 eV/atom more stable than Li3OCl
(-0.170 against -0.073 eV/atom, its oxidation limit 3.52 against 3.28 V), and Li2SO4 (tabulated)
with 0.005 Mg was predicted 0.24 eV/atom below a hull that already holds Li2SO4 itself.

Here a cation whose share of the cation atoms (the atoms with a positive state, H+ and the P, S,
N of oxoanions included) is under :data:`~electroscreen.featurizers.thermo.stabilisation_domain.
CATION_FULL_SHARE` (1/7: below any cation of the model's training compositions with an anion) is
*minor*. With minor cations ``m_1 .. m_k`` in ascending share ``s_1 <= .. <= s_k`` (ties: smaller
atomic number first) and ``r_j = share_ramp(s_j)`` (the ramp of the anions' domain sets, 0 at 0
and 1 from the full share on), the correction is

    ``r_1 C(P_0) + sum_{j=1}^{k-1} (r_{j+1} - r_j) C(P_j) + (1 - r_k) C(P_k)``

where ``P_0`` is the composition itself and ``P_j`` (:func:`minor_cation_hosts`) the composition
with ``m_1 .. m_j`` replaced, charge for charge, each by the cation it most plausibly substitutes:
among the cations ``P_j`` keeps, the one of the closest oxidation state (ties: the larger amount,
then the smaller atomic number). ``C(P)`` is the correction the composition ``P`` gets when screened
itself (:func:`~electroscreen.featurizers.thermo.candidate_enthalpy.candidate_enthalpies`: its
enthalpy minus its hull energy; for a tabulated host, its tabulated enthalpy minus its hull's).
Li2.99Ba0.005OCl is ``0.012 C(Li2.99Ba0.005OCl) + 0.988 C(Li3OCl)``; Li2.99Mg0.005PO4 is 0.009 of
its own prediction and 0.991 of Li3PO4's 0 (tabulated, on the hull). A composition without a
minor cation is ``C(P_0)``, as before. The largest cation is never minor (in LiNaKMgCaSrBaAlO7,
one eighth each, Ba, the last of equal shares, stays: a host keeps a cation), and a composition
whose hydrogen or boron holds a non-integer state (split hydrogen's average, H+0.077 in
Li2B12H12·7H2O; a borane cage's boron) has no minor cation: such an atom is no cation to count
or to substitute on.

Continuity. As a minor cation's amount goes to 0, its ramp goes to 0 and the hosts without it tend
to the composition without it, so the corrected enthalpy tends to the undoped host's (as the
anions' analogues do, :mod:`~electroscreen.featurizers.thermo.stabilisation_domain`). As its
share reaches the full share, the terms that remove it get weight 0. Where two minor cations
cross in share, the one host that depends on their order has weight ``r_{j+1} - r_j = 0``. A host
keeps the other minor cations, so which cations are minor does not change the hosts that carry
weight; the choice of substituted cation does change where two kept cations of equally close
states swap in amount (rare, and only with weight ``1 - r``). A host is the undoped compound
where the dopant's charge is compensated on the cation it replaces (Li2.99Ba0.005OCl: Li3OCl);
otherwise a composition next to it (Li6.75La3Zr1.75Ta0.25O12: Li6.75La3Zr2.0625O12), whose own
correction is predicted, and next to a *tabulated* compound that prediction is not its 0 (the
model's hull features differ): a trace dopant whose state the assignment reads differently at a
trace (V5+ for V3+) can still land there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.featurizers.thermo.stabilisation_anions import MergedAnions, merged_anions
from electroscreen.featurizers.thermo.stabilisation_domain import CATION_FULL_SHARE, share_ramp

__all__ = ["HostBlend", "minor_cation_hosts"]


@dataclass(frozen=True)
class HostBlend:
    """The parts of each composition's correction from itself and from its hosts.

    Attributes
    ----------
    own : ndarray of float64, shape (N,)
        Weight of the composition's own correction ``C(P_0)``: ``r_1``, 1 without a minor cation.
    row : ndarray of int64, shape (H,)
        The composition (row of the input) each host belongs to; ascending.
    weight : ndarray of float64, shape (H,)
        Weight of each host's correction; with ``own`` they sum to 1 per row.
    hosts : MergedAnions
        The hosts ``P_1 .. P_k`` of each row with minor cations, in that order (elements
        ascending, status "ok"), with the oxidation states of their composition (the replacement
        keeps the charge balance of that assignment, and the anions).
    """

    own: np.ndarray
    row: np.ndarray
    weight: np.ndarray
    hosts: MergedAnions


def minor_cation_hosts(
    packed: PackedCompositions,
    full_share: float = CATION_FULL_SHARE,
    merged: MergedAnions | None = None,
) -> HostBlend:
    """Each composition's minor cations, its hosts and their weights (see the module docstring).

    Parameters
    ----------
    packed : PackedCompositions
        Usable rows (elements, positive amounts); states from :func:`~electroscreen.featurizers.
        thermo.stabilisation_anions.merged_anions` (a row with no positive state has no cation).
    full_share : float
        :data:`~electroscreen.featurizers.thermo.stabilisation_domain.CATION_FULL_SHARE`.
    merged : MergedAnions, optional
        :func:`~electroscreen.featurizers.thermo.stabilisation_anions.merged_anions` of ``packed``
        when already computed.

    Returns
    -------
    HostBlend

    Examples
    --------
    >>> from electroscreen.data.compositions import pack_compositions
    >>> blend = minor_cation_hosts(pack_compositions(["Li3OCl", "Li2.99Ba0.005OCl"]))
    >>> blend.own.round(4).tolist(), blend.row.tolist(), blend.hosts.merged.amount.tolist()
    ([1.0, 0.0117], [1], [3.0, 1.0, 1.0])
    """
    merged, _, _, _, states = merged_anions(packed) if merged is None else merged
    n_minor, host_rows, stage_share, offsets, z, amount, host_states = _hosts(
        merged.offsets, merged.z, merged.amount, states, float(full_share)
    )
    ramp = share_ramp(stage_share, full_share)  # r_j of each host's stage j
    first = np.concatenate([[0], np.cumsum(n_minor)])[:-1]  # each row's first host
    own = np.ones(len(packed))
    with_minor = n_minor > 0
    own[with_minor] = ramp[first[with_minor]]
    last = np.zeros(len(host_rows), dtype=bool)
    last[(first + n_minor - 1)[with_minor]] = True
    following = np.append(ramp[1:], 1.0)  # r_{j+1}; 1 after a row's last stage
    weight = np.where(last, 1.0 - ramp, following - ramp)
    hosts = PackedCompositions(
        offsets=offsets,
        z=z,
        amount=amount,
        status=np.full(len(host_rows), OK, dtype=object),
        error=np.full(len(host_rows), "", dtype=object),
    )
    return HostBlend(own, host_rows, weight, MergedAnions.from_states(hosts, host_states))


@njit(cache=True)
def _minor_order(lo, hi, z, amount, states, full_share):
    """Entries of one row that are minor cations, by ascending share (ties: entry order, i.e.
    atomic number), and the row's cation total. None where hydrogen or boron holds a non-integer
    state (split hydrogen's average, a borane cage's boron: no cation to count or to substitute
    on), and never the largest cation (every cation under the full share: the largest is the
    host)."""
    total = 0.0
    n_cations = 0
    order = np.empty(hi - lo, dtype=np.int64)
    for e in range(lo, hi):
        if (z[e] == 1 or z[e] == 5) and abs(states[e] - np.round(states[e])) > 1e-6:
            return order[:0], 0.0
        if states[e] > 0.0:
            total += amount[e]
            n_cations += 1
    k = 0
    if total <= 0.0:
        return order[:0], total
    for e in range(lo, hi):
        if states[e] > 0.0 and amount[e] / total < full_share:
            j = k  # insertion sort: stable, so equal shares stay in atomic-number order
            while j > 0 and amount[order[j - 1]] > amount[e]:
                order[j] = order[j - 1]
                j -= 1
            order[j] = e
            k += 1
    if k == n_cations:  # the largest (last in ascending order) stays: the host's own cation
        k -= 1
    return order[:k], total


@njit(cache=True)
def _hosts(offsets, z, amount, states, full_share):
    n = len(offsets) - 1
    n_minor = np.zeros(n, dtype=np.int64)
    n_entries = 0
    for i in range(n):
        order, _ = _minor_order(offsets[i], offsets[i + 1], z, amount, states, full_share)
        k = len(order)
        n_minor[i] = k
        size = offsets[i + 1] - offsets[i]
        for j in range(1, k + 1):
            n_entries += size - j
    n_hosts = n_minor.sum()
    host_rows = np.empty(n_hosts, dtype=np.int64)
    stage_share = np.empty(n_hosts)
    out_offsets = np.zeros(n_hosts + 1, dtype=np.int64)
    out_z = np.empty(n_entries, dtype=np.int64)
    out_amount = np.empty(n_entries)
    out_states = np.empty(n_entries)
    h = 0
    p = 0
    for i in range(n):
        lo, hi = offsets[i], offsets[i + 1]
        order, total = _minor_order(lo, hi, z, amount, states, full_share)
        for j in range(1, len(order) + 1):
            removed = np.zeros(hi - lo, dtype=np.bool_)
            for q in range(j):
                removed[order[q] - lo] = True
            moved = amount[lo:hi].copy()
            for q in range(j):
                m = order[q]
                best = -1
                for e in range(lo, hi):  # kept cations: closest state, larger amount, smaller Z
                    if removed[e - lo] or not states[e] > 0.0:
                        continue
                    if best < 0:
                        best = e
                        continue
                    d_e = abs(states[e] - states[m])
                    d_b = abs(states[best] - states[m])
                    if d_e < d_b - 1e-9 or (abs(d_e - d_b) <= 1e-9 and amount[e] > amount[best]):
                        best = e
                if best >= 0:
                    moved[best - lo] += amount[m] * states[m] / states[best]
            for e in range(lo, hi):
                if not removed[e - lo]:
                    out_z[p] = z[e]
                    out_amount[p] = moved[e - lo]
                    out_states[p] = states[e]
                    p += 1
            host_rows[h] = i
            stage_share[h] = amount[order[j - 1]] / total
            h += 1
            out_offsets[h] = p
    return n_minor, host_rows, stage_share, out_offsets, out_z, out_amount, out_states
