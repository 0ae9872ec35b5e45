"""The rows of a generated pool's table: one record per kept candidate, then the table's columns.

:func:`candidate_record` writes a candidate's provenance (seed, prototype, substitutions,
probability, lattice scale, size and charge mismatch, the seed's carrier closure);
:func:`pool_table` puts the records in the order of
:attr:`~electroscreen.screening.generate.GeneratedPool.table` and adds ``probability_source``.
Used by :func:`~electroscreen.screening.generate.generate_candidates`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.screening.cell_content import substitutions_label
from electroscreen.screening.seed_charge import CARRIER_COLUMNS, CarrierClosure
from electroscreen.screening.seed_maps import SeedMaps
from electroscreen.screening.substitution import CITATION_DOI, ionic_volume_scale

__all__ = ["candidate_record", "pool_table"]


def candidate_record(
    g: SeedMaps,
    k: int,
    seed_id: str,
    seed_formula: str,
    rescale: bool,
    misfit: tuple,
    closure: CarrierClosure,
) -> dict:
    """One row of the pool table: candidate ``k`` of seed group ``g`` (the map's label,
    probability, lattice scale when ``rescale``, ``misfit``: its radius mismatch and charge
    change, and its seed's carrier closure); ``formula`` is inserted once the structures exist."""
    subs = substitutions_label(g.z, g.charge, g.new_z[k], g.new_charge[k])
    logp = float(g.log_probability[k])
    return {
        "candidate_id": f"{seed_id}:{subs}",
        "source": f"generate:{seed_id}",
        "status": OK,
        "error": "",
        "seed_id": seed_id,
        "seed_formula": seed_formula,
        "prototype": g.prototype,
        "substitutions": subs,
        "n_substituted": subs.count(">"),
        "probability": float(np.exp(logp)),
        "log10_probability": logp / np.log(10),
        "lattice_scale": (
            ionic_volume_scale(g.amounts, g.z, g.charge, g.new_z[k], g.new_charge[k])
            if rescale
            else 1.0
        ),
        "radius_mismatch": float(misfit[0]),
        "charge_change": float(misfit[1]),
        "seed_charge_residual": closure.residual,
        "carrier_adjustment": closure.note,
        "n_sites": g.n_sites,
    }


def pool_table(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`candidate_record` with ``formula`` in the columns of
    :attr:`~electroscreen.screening.generate.GeneratedPool.table`, in order, and
    ``probability_source`` (the substitution paper's DOI); the columns alone when empty."""
    columns = [
        "candidate_id", "formula", "source", "status", "error", "seed_id", "seed_formula",
        "prototype", "substitutions", "n_substituted", "probability", "log10_probability",
        "probability_source", "lattice_scale", "radius_mismatch", "charge_change",
        *CARRIER_COLUMNS, "n_sites",
    ]  # fmt: skip
    if table.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return table.assign(probability_source=f"doi:{CITATION_DOI}")[columns]
