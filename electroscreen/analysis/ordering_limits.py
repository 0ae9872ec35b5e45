"""Defaults of ``export --order`` (ordered approximants), in one light module.

The library (:func:`~electroscreen.analysis.ordering.ordered_approximant`,
:func:`~electroscreen.analysis.export.export_shortlist`) and the CLI's option defaults read them
from here; it imports nothing, so the CLI can use them without loading pymatgen.
"""

__all__ = ["MAX_ORDERED_SITES", "OCCUPANCY_TOLERANCE", "SEARCH_SECONDS"]

#: Largest supercell (sites before ordering) tried for an ordered approximant.
MAX_ORDERED_SITES = 200
#: Largest change of a site occupancy (fraction of a site) a rounded approximant may make.
OCCUPANCY_TOLERANCE = 0.05
#: Seconds after which the Ewald search of one ordering stops with the best ordering found.
SEARCH_SECONDS = 10.0
