"""Build ``electroscreen/featurizers/data/bv_params.csv``: tabulated bond-valence parameters.

Run from the repository root, with matminer installed (``bench`` extra)::

    python scripts/build_bv_table.py

Source: I. D. Brown's accumulated table of bond-valence parameters, ``bvparm2020.cif``
(2020-11-25; https://www.iucr.org/resources/data/datasets/bond-valence-parameters), as distributed
with matminer (``matminer/utils/data_files/bvparm2020.cif``). Copyright I. David Brown, McMaster
University: "This table may be used and distributed without fee for non-profit purposes providing
1) that this copyright notice is included and 2) no fee is charged for the table and 3) details of
any changes made in this list by anyone other than the copyright owner are suitably noted".

Change made here (noted as the notice asks): only a subset is kept -- per (cation, cation valence,
anion, anion valence) the first-listed entry (the table lists them in decreasing order of reliability)
among those of references ``a`` (I. D. Brown, D. Altermatt, Acta Cryst. B41, 244 (1985)) and ``b``
(N. E. Brese, M. O'Keeffe, Acta Cryst. B47, 192 (1991)), the classic sets with b = 0.37 A; entries
with an unspecified valence (9) are dropped. The numbers are unchanged.
"""

from __future__ import annotations

import csv
from pathlib import Path

OUT = Path("electroscreen/featurizers/data/bv_params.csv")
REFERENCES = {
    "a": "Brown and Altermatt, Acta Cryst. B41, 244-247 (1985)",
    "b": "Brese and O'Keeffe, Acta Cryst. B47, 192-197 (1991)",
}


def main() -> None:
    import matminer

    source = Path(matminer.__file__).parent / "utils" / "data_files" / "bvparm2020.cif"
    lines = source.read_text(errors="replace").splitlines()
    start = next(i for i, line in enumerate(lines) if "_valence_param_details" in line) + 1
    rows: dict[tuple[str, int, str, int], tuple[str, str, str]] = {}
    for line in lines[start:]:
        parts = line.split()
        if len(parts) < 7 or line.startswith("#"):
            continue
        cation, q1, anion, q2, r0, b, ref = parts[:7]
        if ref not in REFERENCES or q1 == "9" or q2 == "9":
            continue
        key = (cation, int(q1), anion, int(q2))
        rows.setdefault(key, (r0, b, ref))
    with OUT.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["cation", "cation_valence", "anion", "anion_valence", "r0", "b", "ref"])
        for (cation, q1, anion, q2), (r0, b, ref) in sorted(rows.items()):
            writer.writerow([cation, q1, anion, q2, r0, b, ref])
    print(f"wrote {OUT} ({len(rows)} pairs)")


if __name__ == "__main__":
    main()
