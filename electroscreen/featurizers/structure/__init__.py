"""Structure descriptors, occupancy-weighted so that disordered cells work as ordered ones.

The periodic neighbour list (``neighbors``), the split of occupants into carrier, anion and framework
(``sites``), the per-site environment kernel (``kernels``), partial radial distribution functions
(``rdf``) and the featurizer that assembles them (``descriptors``).
"""
