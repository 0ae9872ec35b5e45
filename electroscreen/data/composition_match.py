"""Whether two formulas describe the same composition: the leak guard between datasets.

Two compositions *match* when they have the same element set and every atomic fraction agrees within
``tol`` (default 2e-4). Equal reduced formulas always match (their fractions are identical), so this
one test covers "same reduced formula" and near-identical fractional formulas written differently
(``Li6.4La3Zr1.4Ta0.6O12`` and ``Li0.274La0.128...``), which is how the Liverpool Ionics Dataset and
OBELiX write the same material.

:class:`CompositionIndex` applies the rule to whole packed batches (a screening's 200,000
candidates against a model's training rows): each row's element set gets a 64-bit code (the sum of
one fixed random code per element, modulo 2**64), so only the rows whose element set occurs among
the references are compared, element by element; :func:`match_compositions` is that index. The codes
(:func:`element_set_codes`) also tell the conformal calibration whether a candidate's chemical system
is among the training rows'.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, FormulaError, parse_formula
from electroscreen.data.segments import segment_all

if TYPE_CHECKING:
    from pymatgen.core import Structure

__all__ = [
    "FORMULA_CIF_TOLERANCE",
    "formula_mismatch",
    "MATCH_TOLERANCE",
    "CompositionIndex",
    "atomic_fractions",
    "comparable_rows",
    "composition_groups",
    "composition_key",
    "distinct_compositions",
    "element_set_codes",
    "match_compositions",
]

#: Largest difference of atomic fraction (any element) between two matching compositions.
MATCH_TOLERANCE = 2e-4


def atomic_fractions(formula: str) -> dict[str, float] | None:
    """``{element: atomic fraction}`` of a formula, or ``None`` when it does not parse."""
    try:
        amounts = parse_formula(str(formula))
    except FormulaError:
        return None
    total = sum(amounts.values())
    if not total > 0:
        return None
    return {el: n / total for el, n in amounts.items()}


def composition_key(formula: str, ndigits: int = 4) -> str | None:
    """A hashable text key (``Li:0.4375 P:0.0625 S:0.5``): fractions rounded to ``ndigits``.

    Used to group repeated measurements of one composition; ``None`` when it does not parse.
    """
    fractions = atomic_fractions(formula)
    if fractions is None:
        return None
    return " ".join(f"{el}:{round(fractions[el], ndigits):g}" for el in sorted(fractions))


def match_compositions(
    query: Sequence[str], reference: Sequence[str], tol: float = MATCH_TOLERANCE
) -> np.ndarray:
    """For each ``query`` formula, whether it matches any ``reference`` formula
    (:class:`CompositionIndex`).

    Parameters
    ----------
    query, reference : sequence of str, lengths n and m
        Formulas; ones that do not parse never match.
    tol : float
        Largest allowed difference of any element's atomic fraction.

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    packed = pack_compositions([str(f) for f in query])
    return CompositionIndex(reference).find(packed, tol) >= 0


def _system_point(formula: str) -> tuple[tuple[str, ...], np.ndarray] | None:
    """``(sorted element symbols, their atomic fractions in that order)``; None: does not parse."""
    fractions = atomic_fractions(formula)
    if fractions is None:
        return None
    system = tuple(sorted(fractions))
    return system, np.array([fractions[el] for el in system])


def distinct_compositions(
    formulas: Iterable[str], limit: int | None = None, tol: float = MATCH_TOLERANCE
) -> list[tuple[int, list[int]]]:
    """The first row of each composition, in order, and the later rows that repeat it.

    A shortlist read top down: a composition generated from several seed structures, or written in
    another cell (``Li1.3Y0.3Ti1.7P3O12`` and ``Li7.8Y1.8Ti10.1988P18O72``), is shown once.

    Parameters
    ----------
    formulas : iterable of str
        In the order to read them (e.g. best rank first). One that does not parse is its own
        composition.
    limit : int, optional
        Stop at the row that would be the ``limit + 1``-th distinct composition (repeats further
        down are not looked for). None: read every row.
    tol : float
        Largest difference of any element's atomic fraction between two rows of one composition
        (:data:`MATCH_TOLERANCE`, the leak guard's).

    Returns
    -------
    list of (int, list of int)
        ``(position of the first row, positions of its repeats)``, one per distinct composition in
        order of first appearance, at most ``limit``.
    """
    groups: list[tuple[int, list[int]]] = []
    by_system: dict[tuple[str, ...], list[tuple[np.ndarray, int]]] = defaultdict(list)
    for position, formula in enumerate(formulas):
        point = _system_point(formula)
        if point is not None:
            system, vector = point
            match = next(
                (g for other, g in by_system[system] if np.max(np.abs(vector - other)) <= tol),
                None,
            )
            if match is not None:
                groups[match][1].append(position)
                continue
        if limit is not None and len(groups) >= limit:
            break
        if point is not None:
            by_system[system].append((vector, len(groups)))
        groups.append((position, []))
    return groups


def composition_groups(formulas: Sequence[str], tol: float = MATCH_TOLERANCE) -> np.ndarray:
    """Which composition each row is: matching rows (:func:`distinct_compositions`) share a number.

    ``Li2Sc0.667Cl4`` and ``Li3ScCl6``, or ``Na3Zr1.88Y0.12Si2PO11.94`` and
    ``Na3Si2Zr1.88Y0.12PO11.94``, are one composition; a row that does not parse is its own.

    Returns
    -------
    ndarray of int64, shape (N,)
        ``0, 1, ...`` in order of first appearance.
    """
    out = np.empty(len(formulas), dtype=np.int64)
    for number, (first, repeats) in enumerate(distinct_compositions(formulas, tol=tol)):
        out[first] = number
        out[repeats] = number
    return out


#: One fixed random code per atomic number (a row's element set is the sum of its elements' codes).
_ELEMENT_CODES = (
    np.random.default_rng(20261205)
    .integers(1, 2**63, size=len(ELEMENT_SYMBOLS), dtype=np.int64)
    .astype(np.uint64)
)


def comparable_rows(packed: PackedCompositions) -> np.ndarray:
    """Rows that parsed, hold an element and only positive, finite amounts: the rows whose atomic
    fractions are compared (here, and by :mod:`~electroscreen.data.composition_nearest`)."""
    good = segment_all(np.isfinite(packed.amount) & (packed.amount > 0), packed.offsets)
    return (packed.status == "ok") & (np.diff(packed.offsets) > 0) & good


def element_set_codes(packed: PackedCompositions) -> np.ndarray:
    """Per row, a code of its element set (its chemical system), shape (N,) uint64.

    Two rows holding the same elements get the same code whatever their amounts (exact: modular
    integer sums of fixed random codes per element; two different sets collide with probability
    ~1e-19, and callers that need certainty compare the elements too). A row without elements
    gets 0.
    """
    codes = _ELEMENT_CODES[np.asarray(packed.z, dtype=np.int64)]
    running = np.concatenate(([np.uint64(0)], np.cumsum(codes, dtype=np.uint64)))
    offsets = np.asarray(packed.offsets, dtype=np.int64)
    return running[offsets[1:]] - running[offsets[:-1]]


def _fractions(packed: PackedCompositions, row: int) -> dict[int, float]:
    a, b = packed.offsets[row], packed.offsets[row + 1]
    amounts = packed.amount[a:b]
    return dict(zip(packed.z[a:b].tolist(), (amounts / amounts.sum()).tolist(), strict=True))


class CompositionIndex:
    """Reference compositions, looked up by element set.

    Parameters
    ----------
    formulas : sequence of str
        The references (rows that do not parse are never found).

    Examples
    --------
    >>> index = CompositionIndex(["Li10GeP2S12", "Li3PS4"])
    >>> index.find(pack_compositions(["Li20Ge2P4S24", "Li3PS4.0001", "Li2S"])).tolist()
    [0, 1, -1]
    """

    def __init__(self, formulas: Sequence[str]) -> None:
        packed = pack_compositions([str(f) for f in formulas])
        usable = comparable_rows(packed)
        codes = element_set_codes(packed)
        self._by_code: dict[int, list[tuple[int, dict[int, float]]]] = defaultdict(list)
        for row in np.flatnonzero(usable).tolist():
            self._by_code[int(codes[row])].append((row, _fractions(packed, row)))
        self._codes = np.array(sorted(self._by_code), dtype=np.uint64)

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._by_code.values())

    def find(self, packed: PackedCompositions, tol: float = MATCH_TOLERANCE) -> np.ndarray:
        """For each query row, the reference row it matches (the closest), or -1.

        Parameters
        ----------
        packed : PackedCompositions
            N query rows.
        tol : float
            Largest difference of any element's atomic fraction.

        Returns
        -------
        ndarray of int64, shape (N,)
        """
        out = np.full(len(packed), -1, dtype=np.int64)
        codes = element_set_codes(packed)
        candidates = np.flatnonzero(comparable_rows(packed) & np.isin(codes, self._codes))
        for row in candidates.tolist():
            query = _fractions(packed, row)
            best, best_gap = -1, np.inf
            for ref, fractions in self._by_code[int(codes[row])]:
                if fractions.keys() != query.keys():  # a code collision, never a match
                    continue
                gap = max(abs(fractions[z] - x) for z, x in query.items())
                if gap <= tol and gap < best_gap:  # the closest; the first of equals
                    best, best_gap = ref, gap
            out[row] = best
        return out


#: Largest atomic-fraction difference between a row's formula and its CIF's composition.
FORMULA_CIF_TOLERANCE = 0.01


def formula_mismatch(text: object, structure: Structure) -> str | None:
    """Why a row's formula and its CIF are not one composition, or ``None`` when they agree.

    They agree when they hold the same elements and no atomic fraction differs by more than
    :data:`FORMULA_CIF_TOLERANCE` (a refinement's occupancies may round a nominal formula). A
    formula cell that is empty or does not parse (a label such as ``LLZO``) is not compared.
    """
    written = atomic_fractions(text) if isinstance(text, str) and text.strip() else None
    composition = structure.composition.get_el_amt_dict()
    cif_total = sum(composition.values())
    if written is None or not cif_total > 0:
        return None
    gaps = {
        el: abs(written.get(el, 0.0) - composition.get(el, 0.0) / cif_total)
        for el in sorted(set(written) | set(composition))
    }
    worst = max(gaps, key=gaps.get)
    if set(written) == set(composition) and gaps[worst] <= FORMULA_CIF_TOLERANCE:
        return None
    cif_formula = structure.composition.formula.replace(" ", "")
    return (
        f"formula {text!r} is not the CIF's composition {cif_formula} (atomic fraction of "
        f"{worst} differs by {gaps[worst]:.3f}; at most {FORMULA_CIF_TOLERANCE} allowed)"
    )
