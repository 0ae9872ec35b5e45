"""DFT inputs for an exported structure: a pymatgen VASP input set, written without POTCARs.

``electroscreen export --dft MPRelaxSet`` writes each ordered structure's (or ordered approximant's)
relaxation inputs to ``relax/``: INCAR, KPOINTS, POSCAR and ``POTCAR.spec`` (the symbols; POTCAR
files are licensed and never written).
"""

from __future__ import annotations

from pathlib import Path

from pymatgen.core import Structure

__all__ = ["input_set", "write_dft"]


def input_set(name: str) -> type:
    """The pymatgen VASP input set class ``name`` (a concrete ``VaspInputSet``), else ValueError."""
    import inspect

    import pymatgen.io.vasp.sets as sets

    cls = getattr(sets, name, None)
    if not (
        inspect.isclass(cls)
        and issubclass(cls, sets.VaspInputSet)
        and cls is not sets.VaspInputSet
        and not inspect.isabstract(cls)
    ):
        raise ValueError(f"unknown pymatgen VASP input set {name!r} (e.g. MPRelaxSet)")
    return cls


def write_dft(structure: Structure, folder: Path, name: str) -> str:
    """Write the input set ``name`` of ``structure`` (oxidation states removed) to ``folder``,
    with ``POTCAR.spec`` instead of POTCAR files; returns the folder's name."""
    cls = input_set(name)
    cls(structure.copy().remove_oxidation_states()).write_input(folder, potcar_spec=True)
    return folder.name
