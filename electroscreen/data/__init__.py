"""Readers, the candidate table, packed arrays and dataset loaders. Imports no other subpackage."""

from electroscreen.data.candidates import CANDIDATE_COLUMNS, OK, candidate_table, ok_mask
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.formula import FormulaError, format_formula, parse_formula
from electroscreen.data.obelix import load_obelix, load_obelix_structures, obelix_candidates
from electroscreen.data.oxidation import OxidationResult, assign_oxidation_states
from electroscreen.data.packed import PackedStructures, concat_packed, load_packed, pack_structures
from electroscreen.data.readers import read_candidates
from electroscreen.data.summary import summarize

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
