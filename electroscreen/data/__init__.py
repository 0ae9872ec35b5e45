"""Readers, the candidate table, packed arrays and dataset loaders. Imports no other subpackage.

The names below are imported on first use (PEP 562), so that a light module such as
:mod:`electroscreen.data.limits` can be imported without pymatgen.
"""

from importlib import import_module

#: Public name -> submodule that defines it.
_HOMES = {
    "CANDIDATE_COLUMNS": "candidates",
    "OK": "candidates",
    "candidate_table": "candidates",
    "ok_mask": "candidates",
    "PackedCompositions": "compositions",
    "pack_compositions": "compositions",
    "FormulaError": "formula",
    "format_formula": "formula",
    "parse_formula": "formula",
    "load_obelix": "obelix",
    "load_obelix_structures": "obelix",
    "obelix_candidates": "obelix",
    "OxidationResult": "oxidation",
    "assign_oxidation_states": "oxidation",
    "PackedStructures": "packed",
    "concat_packed": "packed",
    "load_packed": "packed",
    "pack_structures": "packed",
    "read_candidates": "readers",
    "summarize": "summary",
}

__all__ = [
    "CANDIDATE_COLUMNS",
    "OK",
    "FormulaError",
    "OxidationResult",
    "PackedCompositions",
    "PackedStructures",
    "assign_oxidation_states",
    "candidate_table",
    "concat_packed",
    "format_formula",
    "load_obelix",
    "load_obelix_structures",
    "load_packed",
    "obelix_candidates",
    "ok_mask",
    "pack_compositions",
    "pack_structures",
    "parse_formula",
    "read_candidates",
    "summarize",
]


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
