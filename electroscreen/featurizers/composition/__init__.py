"""Composition descriptors: what a formula alone says.

Magpie element-property statistics (``magpie``), electrolyte-specific composition descriptors
(``electrolyte``: carrier fraction, anion family, radii, oxidation states) and Pearson's HSAB classes
and cation-anion hardness pairing (``hsab``, ``hsab_pairs``).
"""
