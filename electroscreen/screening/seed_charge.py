"""A seed's charge residual closed on its carrier sites, so that ``generate``'s candidates are neutral.

A refined CIF is rarely neutral to the last digit, and every map of
:func:`~electroscreen.screening.substitution.enumerate_substitutions` conserves the seed's charge
exactly, residual included: OBELiX's ``7tu`` CIF holds Li10.2 with (Sn,Si)1.25 and P1.75 per
formula unit (its 4d site 0.625 (Sn,Si) and 0.375 P), 0.05 e short, and ``Si4+>Ge4+`` made
``Li10.2Sn0.25GeP1.75S12``, ranked first in the demo with that residual. The seed's balance
(:func:`~electroscreen.data.oxidation.assign_oxidation_states`) accepts a residual up to 1 % of
the positive charge, the tolerance of ``screen``'s charge-balance filter, because refined
occupancies are rounded; a larger one leaves the seed out (``unbalanced_seed``).

The carrier is the element a refinement locates least well (a light, mobile ion spread over partly
occupied sites) and the one doping moves, so :func:`close_carrier` moves its amount by
``-residual / state`` (:func:`~electroscreen.data.carrier_balance.carrier_shifts`, the rule
``screen`` computes the window, interfaces and moisture descriptors with): ``Li10.25Sn0.25SiP1.75S12``
for ``7tu``, the member x = 0.25 of Li10+x M1+x P2-x S12. In the structure the carrier's partly
occupied sites are scaled by one factor (they are the refined ones; a fully occupied site is
usually fixed at 1); a seed whose carrier sits on full sites only is scaled on all of them when it
gives carrier up. Where the sites cannot take the change (more carrier and no partly occupied site,
or a site that would hold more than 1) the seed is not adjusted and its candidates keep the
residual, which ``screen``'s ``charge_residual`` column shows.

Of the 131 OBELiX seeds ``generate --obelix`` uses with a residual, 123 are adjusted; the closed
composition lies nearer the composition OBELiX records for the entry than the CIF's own for 76
and farther for 21 (the rest within 1e-5), and on it for 70: 8ub, ui6, kh3 and hud among them;
for 7tu, whose recorded Li10.2(Sn0.2Si0.8)1.2P1.8S12 differs from the CIF on the mixed (Sn,Si)/P
site, and de5 (Li3InCl6, In1.015 in the CIF) it is not, which no rule on one element finds. A
closure that moves an atomic fraction by more than a CIF's rounding
(:data:`~electroscreen.models.training_rows.TRAINING_MATCH_TOLERANCE`, 2e-3; 14 seeds) is made and
its note says ``check the seed``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from electroscreen.data.carrier_balance import BALANCED, carrier_shifts
from electroscreen.data.formula import ELEMENT_SYMBOLS, amount_text, parse_formula
from electroscreen.data.packed import PackedStructures
from electroscreen.models.training_rows import TRAINING_MATCH_TOLERANCE
from electroscreen.screening.pool_files import listed_lines
from electroscreen.screening.seed_maps import SeedMaps

__all__ = [
    "ADJUSTED_COLUMNS",
    "CARRIER_ADJUSTED",
    "CARRIER_COLUMNS",
    "RESIDUAL_KEPT",
    "CarrierClosure",
    "adjusted_lines",
    "close_carrier",
    "closed_seeds",
]

#: Columns of ``generate``'s candidate table that say it: the seed's residual as read (e per formula
#: unit of ``seed_formula``, 0 for a neutral seed) and the carrier's change (``""``: none).
CARRIER_COLUMNS = ("seed_charge_residual", "carrier_adjustment")
#: Columns of :attr:`~electroscreen.screening.generate.GeneratedPool.adjusted`: each used seed with
#: a residual, its status (:data:`CARRIER_ADJUSTED` or :data:`RESIDUAL_KEPT`) and the two above.
ADJUSTED_COLUMNS = ["seed_id", "seed_formula", "status", *CARRIER_COLUMNS]
#: A seed whose carrier closed its residual; one whose sites could not take it.
CARRIER_ADJUSTED, RESIDUAL_KEPT = "carrier_adjusted", "residual_kept"
#: A site holding at least this much is full (refined occupancies print 0.9999 for 1).
_FULL = 1 - 1e-6
#: The most a scaled site may hold.
_MOST = 1 + 1e-6


@dataclass(frozen=True)
class CarrierClosure:
    """A seed's charge residual and what was done with it.

    Attributes
    ----------
    residual : float
        Net charge of the seed as read, with its assigned states, e per formula unit of its
        ``seed_formula`` (0 when neutral).
    amounts : ndarray of float64, shape (E,)
        The seed's element amounts per cell (:attr:`SeedMaps.amounts`), the carrier's closed.
    factor : ndarray of float64, shape (K,) or None
        Multiplier of each occupancy of the seed's ``K`` occupants; None when nothing changed.
    note : str
        The ``carrier_adjustment`` cell: ``Li 10.2 -> 10.25 per formula unit (-0.05 e closed on
        its partly occupied Li sites, x1.0061)``; why not (``not adjusted: ...``); ``""`` for a
        neutral seed.
    units : float
        Formula units of ``seed_formula`` per cell (the seed's, as read): what a candidate's
        formula is written per.
    """

    residual: float
    amounts: np.ndarray
    factor: np.ndarray | None
    note: str
    units: float

    @property
    def adjusted(self) -> bool:
        """Whether the carrier's occupancies were scaled."""
        return self.factor is not None


def close_carrier(
    seeds: PackedStructures, maps: SeedMaps, carrier_z: int, seed_formula: str
) -> CarrierClosure:
    """The seed ``maps.index`` of ``seeds`` with its charge residual closed on its carrier.

    Parameters
    ----------
    seeds : PackedStructures
        The seeds, as read.
    maps : SeedMaps
        The seed's elements, amounts per cell and assigned states
        (:func:`~electroscreen.screening.seed_maps.seed_maps`; its carrier is a cation).
    carrier_z : int
        The carrier's atomic number.
    seed_formula : str
        The seed's reduced formula (``seed_formula``), whose formula unit the residual and the
        note count per.

    Returns
    -------
    CarrierClosure
    """
    units = maps.amounts.sum() / sum(parse_formula(seed_formula).values())
    residual = float(np.dot(maps.charge, maps.amounts))
    if abs(residual) <= BALANCED:
        return CarrierClosure(0.0, maps.amounts, None, "", units)
    carrier = int(np.flatnonzero(maps.z == carrier_z)[0])
    shift = float(carrier_shifts(residual, maps.charge[carrier], maps.amounts[carrier]))
    per_unit = round(residual / units, 9)  # float noise of the occupancy sums left out
    symbol = ELEMENT_SYMBOLS[carrier_z]
    if shift == 0.0:  # it would take every carrier atom
        note = f"not adjusted: {per_unit:+.3g} e is more than its {symbol} holds"
        return CarrierClosure(per_unit, maps.amounts, None, note, units)
    before, after = maps.amounts[carrier], maps.amounts[carrier] - shift
    change = f"{symbol} {_change_text(before / units, after / units)}"
    factor, where = _site_factors(seeds, maps.index, carrier_z, -shift)
    if factor is None:
        note = f"not adjusted: {change} per formula unit would close {per_unit:+.3g} e, {where}"
        return CarrierClosure(per_unit, maps.amounts, None, note, units)
    amounts = maps.amounts.copy()
    amounts[carrier] = after
    moved = np.abs(amounts / amounts.sum() - maps.amounts / maps.amounts.sum()).max()
    beyond = (
        f"; an atomic fraction moves by {moved:.2g}, more than a CIF's rounding "
        f"({TRAINING_MATCH_TOLERANCE:g}): check the seed"
        if moved > TRAINING_MATCH_TOLERANCE
        else ""
    )
    note = f"{change} per formula unit ({per_unit:+.3g} e closed on {where}{beyond})"
    return CarrierClosure(per_unit, amounts, factor, note, units)


def _change_text(before: float, after: float) -> str:
    """``10.2 -> 10.25``: the amounts as a formula writes them, with the decimals that tell them
    apart (``0.358 -> 0.3579997`` for a residual of 3e-7 e)."""
    old, new = amount_text(before), amount_text(after)
    for digits in range(5, 10):
        if old != new:
            break
        old, new = (f"{x:.{digits}f}".rstrip("0").rstrip(".") for x in (before, after))
    return f"{old or 1} -> {new or 1}"


def _site_factors(
    seeds: PackedStructures, i: int, carrier_z: int, delta: float
) -> tuple[np.ndarray | None, str]:
    """Occupancy multipliers of seed ``i``'s occupants that add ``delta`` carrier per cell and
    where (``its partly occupied Li sites, x1.0061``), or None and why not."""
    lo, hi = seeds.site_offsets[i], seeds.site_offsets[i + 1]
    first, last = seeds.occ_offsets[lo], seeds.occ_offsets[hi]
    site = np.repeat(np.arange(hi - lo), np.diff(seeds.occ_offsets[lo : hi + 1]))
    occupancy = seeds.occ_fraction[first:last]
    total = np.bincount(site, occupancy, minlength=hi - lo)
    carrier = seeds.occ_species[first:last] == carrier_z
    partial = carrier & (total[site] < _FULL)
    symbol = ELEMENT_SYMBOLS[carrier_z]
    if partial.any():
        scaled, which = partial, f"its partly occupied {symbol} sites"
    elif delta < 0:
        scaled, which = carrier, f"its {symbol} sites"
    else:
        return None, f"and no partly occupied {symbol} site takes more"
    scale = 1.0 + delta / occupancy[scaled].sum()
    factor = np.where(scaled, scale, 1.0)
    if scale <= 0 or (np.bincount(site, occupancy * factor, minlength=hi - lo) > _MOST).any():
        return None, f"more than {which} hold"
    shown = f"{scale:.4f}"
    return factor, which if shown == "1.0000" else f"{which}, x{shown}"


def closed_seeds(
    seeds: PackedStructures, maps: list[SeedMaps], closures: list[CarrierClosure]
) -> PackedStructures:
    """``seeds`` with the occupancies of each adjusted seed (``closures[k]`` of ``maps[k]``)
    scaled; the other seeds as they are."""
    fraction = seeds.occ_fraction.copy()
    bounds = seeds.occ_offsets[seeds.site_offsets]
    for g, closure in zip(maps, closures, strict=True):
        if closure.factor is not None:
            fraction[bounds[g.index] : bounds[g.index + 1]] *= closure.factor
    return replace(seeds, occ_fraction=fraction)


def adjusted_lines(adjusted: pd.DataFrame, shown: int = 10) -> list[str]:
    """Lines naming the seeds whose charge residual ``generate`` met (:data:`ADJUSTED_COLUMNS`): a
    count by status, then those that keep it and the largest residuals first, ``id formula:
    carrier_adjustment``, the first ``shown``; none when every seed used was neutral."""
    order = adjusted.assign(
        _kept=adjusted["status"] != RESIDUAL_KEPT,
        _size=-adjusted["seed_charge_residual"].abs(),
    ).sort_values(["_kept", "_size"], kind="stable")
    n = len(adjusted)
    header = (
        f"{n} seed{'s' * (n != 1)} not charge-neutral as read, each named in its candidates' "
        "carrier_adjustment"
    )
    return listed_lines(
        order, header, lambda r: f"{r.seed_id} {r.seed_formula}: {r.carrier_adjustment}", shown
    )
