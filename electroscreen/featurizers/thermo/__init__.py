"""Thermochemistry: one phase-diagram engine shared by every reaction featurizer.

Experimental formation enthalpies as flat arrays (``enthalpies``), convex hulls and mixing-ratio
reaction scans as small Numba LPs (``hull``), the stabilisation model for untabulated candidates
(``stabilisation``, trained on ``stabilisation_data``), every chemical system of a batch stacked for the
kernels (``reaction_systems``), and the featurizers built on them: reactions with air (``reactivity``,
with ``reaction_text`` for readable reactions).
"""
