"""``OUT/inputs.json``: where a screening's inputs came from (:func:`record_inputs`), so that
:mod:`electroscreen.analysis.export` finds them again from another directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from electroscreen.screening.inputs import InputPlan

__all__ = ["INPUTS_RECORD", "record_inputs"]

#: Name of the file in a screening's output folder that says where its inputs came from.
INPUTS_RECORD = "inputs.json"


def _absolute(path: Path) -> Path:
    """``path`` resolved, or made absolute as it is when it is a link loop (which has no target)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: its row says broken_link
        return Path(os.path.abspath(path))


def record_inputs(plan: InputPlan, inputs: list[str | Path], out: str | Path) -> Path:
    """Write ``OUT/inputs.json``: the arguments, the working directory and every input file.

    ``source`` values in the results are paths as given on the command line (often relative);
    this record lets :mod:`electroscreen.analysis.export` find the structures again later, from
    another directory (generated pools included: they are packed caches).
    """
    record = {
        "cwd": os.getcwd(),
        "arguments": [str(p) for p in inputs],
        "digest": plan.digest,
        "items": [
            {
                "path": str(item.path),
                "absolute": str(_absolute(item.path)),
                "kind": item.kind,
                "n_rows": item.n_rows,
                "files": [str(_absolute(f)) for f in item.files],
            }
            for item in plan.items
        ],
    }
    path = Path(out) / INPUTS_RECORD
    path.write_text(json.dumps(record, indent=1))
    return path
