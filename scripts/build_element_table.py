"""Build the element tables shipped in ``electroscreen/featurizers/data/``.

Run from the repository root, with matminer installed (it is in the ``bench`` extra)::

    python scripts/build_element_table.py

The package never imports matminer: this script copies the numbers once, and the CSV files it writes
are what ``electroscreen.featurizers.elements`` reads at run time. Re-running it on the same matminer
and pymatgen versions reproduces the files byte for byte.

Sources
-------
``elements.csv`` (one row per element, Z = 1..118; ``Missing`` entries are empty cells)
    * Every scalar Magpie table from matminer's ``matminer/utils/data_files/magpie_elementdata/``
      (column names are the table names, e.g. ``Electronegativity``, ``GSvolume_pa``). Data: L. Ward,
      A. Agrawal, A. Choudhary, C. Wolverton, "A general-purpose machine learning framework for
      predicting properties of inorganic materials", npj Comput. Mater. 2, 16028 (2016),
      doi:10.1038/npjcompumats.2016.28; distributed with matminer (L. Ward et al., Comput. Mater. Sci.
      152, 60 (2018), doi:10.1016/j.commatsci.2018.05.018, BSD licence). The list-valued tables
      ``OxidationStates`` and ``IonizationEnergies`` are left out.
    * ``pauling_electronegativity``, ``atomic_mass`` (amu), ``electron_affinity`` (eV) and
      ``ionization_energy_1`` .. ``ionization_energy_9`` (eV) from pymatgen's periodic table
      (S. P. Ong et al., Comput. Mater. Sci. 68, 314 (2013); ionization energies from the NIST Atomic
      Spectra Database).
``shannon_radii.csv`` (one row per ion, coordination and spin)
    Shannon's effective ionic and crystal radii (R. D. Shannon, Acta Cryst. A32, 751 (1976),
    doi:10.1107/S0567739476001551) as tabulated in pymatgen's periodic table (``Shannon radii``).

The Pearson absolute hardness of ions is derived at run time from the ionization energies and
electron affinities above (``electroscreen/featurizers/hsab.py`` explains the formula).
"""

from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path

from pymatgen.core.periodic_table import Element

try:
    import matminer
except ImportError as exc:  # pragma: no cover - the script needs the bench extra
    raise SystemExit("build_element_table.py needs matminer: pip install -e '.[bench]'") from exc

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "electroscreen" / "featurizers" / "data"
MAGPIE_DIR = Path(matminer.__file__).parent / "utils" / "data_files" / "magpie_elementdata"
MAX_Z = 118
N_IONIZATION = 9
LIST_VALUED = {"OxidationStates", "IonizationEnergies"}
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9}
ROMAN.update({"X": 10, "XI": 11, "XII": 12, "XIV": 14})


def _fmt(value: float) -> str:
    """Shortest text that reads back as the same float (empty for NaN)."""
    return "" if value is None or math.isnan(value) else repr(float(value))


def read_magpie_table(path: Path) -> list[float]:
    """Values for Z = 1..118 exactly as matminer's ``MagpieData`` reads them (NaN when unreadable)."""
    lines = path.read_text().splitlines(keepends=True)
    values = []
    for z in range(1, MAX_Z + 1):
        try:
            values.append(float(lines[z - 1]))
        except (ValueError, IndexError):
            values.append(math.nan)
    return values


def pymatgen_columns(z: int) -> dict[str, float]:
    el = Element.from_Z(z)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "No Pauling electronegativity for He": we store NaN
        x = float(el.X)
    try:
        affinity = float(el.electron_affinity)
    except (ValueError, TypeError, KeyError):
        affinity = math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "No data available for ionization_energies for Rg"
        listed = el.ionization_energies or []
    energies = [float(e) if e is not None else math.nan for e in listed]
    energies = (energies + [math.nan] * N_IONIZATION)[:N_IONIZATION]
    row = {"pauling_electronegativity": x, "atomic_mass": float(el.atomic_mass)}
    row["electron_affinity"] = affinity
    row.update({f"ionization_energy_{i + 1}": e for i, e in enumerate(energies)})
    return row


def build_elements() -> Path:
    tables = sorted(p for p in MAGPIE_DIR.glob("*.table") if p.stem not in LIST_VALUED)
    magpie = {p.stem: read_magpie_table(p) for p in tables}
    extra = [pymatgen_columns(z) for z in range(1, MAX_Z + 1)]
    header = ["Z", "symbol", *magpie, *extra[0]]
    path = OUT_DIR / "elements.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for z in range(1, MAX_Z + 1):
            row = [z, Element.from_Z(z).symbol]
            row += [_fmt(values[z - 1]) for values in magpie.values()]
            row += [_fmt(v) for v in extra[z - 1].values()]
            writer.writerow(row)
    return path


def build_shannon() -> Path:
    path = OUT_DIR / "shannon_radii.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            ["Z", "symbol", "oxidation", "coordination", "coordination_number", "spin"]
            + ["ionic_radius", "crystal_radius"]
        )
        for z in range(1, MAX_Z + 1):
            el = Element.from_Z(z)
            radii = el.data.get("Shannon radii", {})
            # pymatgen lists one Eu entry without a charge (key ""): it is skipped.
            for ox in sorted((ox for ox in radii if ox), key=int):
                for cn in sorted(radii[ox], key=lambda c: ROMAN[c.rstrip("SQPY")]):
                    for spin, values in sorted(radii[ox][cn].items()):
                        number = ROMAN[cn.rstrip("SQPY")]  # IVSQ (square) and IIIPY (pyramid)
                        writer.writerow(
                            [z, el.symbol, int(ox), cn, number, spin]
                            + [_fmt(values["ionic_radius"]), _fmt(values["crystal_radius"])]
                        )
    return path


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path in (build_elements(), build_shannon()):
        print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
