"""Numba-accelerated composition and structure descriptors. Imports ``electroscreen.data`` only."""
