"""Bond-valence site energies of the carrier ion and its migration barriers.

softBV parameters and the site-energy grid kernel (``energy``), periodic percolation thresholds of that
grid (``percolation``) and the featurizer of 1D/2D/3D barriers (``barriers``).
"""
