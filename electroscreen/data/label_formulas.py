"""How the air-stability labels' formulas, written as in their sources, are read.

:func:`normalise_label_formula` turns what it can into one composition (mixtures such as
``90(75Li2S-15P2S5-10P2O5)-10ZnO`` or ``(Li2S)75(P2S5)25 + 20 mol% LiI``, phase names such as
``Li7P3S11 glass (70Li2S-30P2S5)``, dopant notes, ``Na beta-alumina`` as its ideal formula
NaAl11O17); :func:`sample_modification` names the words that mark a modified sample (a coating, a
surface treatment, a composite). :func:`~electroscreen.data.air_stability.load_air_stability`
applies both to every label row.
"""

from __future__ import annotations

import re

from electroscreen.data.formula import FormulaError, parse_formula

__all__ = ["normalise_label_formula", "sample_modification"]

#: Words of a label's sample text that name a modification of the sample (a coating, a surface
#: treatment, a composite with another phase). Not here: dopant notes (``Al-stabilised``: the
#: host composition, as ``Al-doped LiTi2(PO4)3``), glass / glass-ceramic (a form of the
#: composition) and particle size or shape (``nanofibers``, ``small grains``, ``film``).
_MODIFICATION = re.compile(
    r"[\w-]*(?:coated|coating)\b|[\w-]*fluorinated\b|\bshell\b|\bALD\b|\bcomposite\b|\bepoxy\b"
    r"|\bpolymer\b|\bsilane\b|\bsurface-(?:treated|modified|protected|passivated)\b",
    re.IGNORECASE,
)

_DESCRIPTOR_WORDS = re.compile(r"\b(glass-ceramic|glass)\b", re.IGNORECASE)
_DESCRIBED_PARENS = re.compile(r"\s*\((?=[^()]*(?:[a-z]{3}|,))[^()]*\)")
_DOPED = re.compile(r"^([A-Z][a-z]?)(\d*\.?\d*)-doped\s+(.+)$")
_MOL_PERCENT = re.compile(r"^(.+?)\s*\+\s*(\d*\.?\d+)\s*mol%\s*(\S+)$")
_LEADING_NUMBER = re.compile(r"^(\d*\.?\d+)(?=[A-Z(])")
_GROUP_AMOUNT = re.compile(r"\(([^()]+)\)(\d*\.?\d+)")
#: ``Na beta-alumina`` (Li, Na or K; not beta''): the ideal formula of the beta-alumina structure,
#: M2O.11Al2O3 = MAl11O17. The beta'' phase is not read: its formula depends on the stabilising
#: cation (Li or Mg), which a bare name does not give.
_BETA_ALUMINA = re.compile(r"^(Li|Na|K)\s+beta-alumina$")


def _add(total: dict[str, float], part: dict[str, float], factor: float) -> None:
    for el, n in part.items():
        total[el] = total.get(el, 0.0) + factor * n


def _split_top_level(text: str, sep: str = "-") -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _mixture(text: str) -> dict[str, float]:
    """``a A - b B - ...`` (coefficients optional, terms may be parenthesised mixtures)."""
    terms = _split_top_level(text)
    if len(terms) == 1:
        return parse_formula(text)
    total: dict[str, float] = {}
    for term in terms:
        match = _LEADING_NUMBER.match(term)
        coeff = float(match.group(1)) if match else 1.0
        body = term[match.end() :] if match else term
        if body.startswith("(") and body.endswith(")") and "-" in body:
            inner_terms = _split_top_level(body[1:-1])
            weights = [
                float(m.group(1)) if (m := _LEADING_NUMBER.match(t)) else 1.0 for t in inner_terms
            ]
            part = _mixture(body[1:-1])
            coeff /= sum(weights)  # the bracket is one mole of its components
        else:
            part = parse_formula(body)
        _add(total, part, coeff)
    return total


def normalise_label_formula(text: str) -> tuple[dict[str, float] | None, str]:
    """Composition of a label's formula as written, and how it was read.

    Returns
    -------
    amounts : dict or None
        Element -> amount, or None when the text is not a composition.
    how : str
        ``"as written"``, a short note of the rule applied, or why it could not be read.

    Examples
    --------
    >>> normalise_label_formula("67Li2S-33P2S5 glass")[0]
    {'Li': 134.0, 'S': 232.0, 'P': 66.0}
    >>> normalise_label_formula("Li3Y1-xInxCl6 (high In, ccp)")[0] is None
    True
    """
    beta = _BETA_ALUMINA.match(text.strip())
    if beta:
        ideal = parse_formula(f"{beta.group(1)}Al11O17")
        return ideal, "ideal formula of beta-alumina (M2O.11Al2O3)"
    cleaned = _DESCRIBED_PARENS.sub("", text)
    cleaned = " ".join(_DESCRIPTOR_WORDS.sub("", cleaned).split())
    notes = []
    if cleaned != text.strip():
        notes.append("descriptive words dropped")
    doped = _DOPED.match(cleaned)
    dopant: tuple[str, float] | None = None
    if doped:
        cleaned = doped.group(3).strip()
        if doped.group(2):
            dopant = (doped.group(1), float(doped.group(2)))
            notes.append(f"dopant {doped.group(1)}{doped.group(2)} added")
        else:
            notes.append(f"{doped.group(1)} dopant amount not given: host composition")
    head, _, rest = cleaned.partition(" ")
    if rest.startswith("(") and rest.endswith(")"):
        cleaned = head  # "Li7P3S11 (70Li2S-30P2S5)": the nominal formula names the phase
        notes.append("nominal formula of the named mixture")
    try:
        mol = _MOL_PERCENT.match(cleaned)
        if mol:
            base = parse_formula(mol.group(1).replace(" ", ""))
            groups = _GROUP_AMOUNT.findall(mol.group(1))
            base_moles = sum(float(n) for _, n in groups) if groups else 1.0
            pct = float(mol.group(2))
            amounts = dict(base)
            _add(amounts, parse_formula(mol.group(3)), base_moles * pct / (100.0 - pct))
            notes.append(f"{mol.group(2)} mol% {mol.group(3)} added")
        else:
            amounts = _mixture(cleaned.replace(" ", ""))
            if len(_split_top_level(cleaned)) > 1:
                notes.append("mixture summed")
    except FormulaError as exc:
        return None, f"not a composition: {exc}"
    if dopant is not None:
        amounts[dopant[0]] = amounts.get(dopant[0], 0.0) + dopant[1]
    return amounts, "; ".join(notes) or "as written"


def sample_modification(text: str) -> str:
    """The words of a label's formula text that name a modified sample, ``""`` for a bare one.

    Examples
    --------
    >>> sample_modification("Li6.4Al0.2La3Zr2O12 (surface-fluorinated, LiF shell)")
    'surface-fluorinated, shell'
    >>> sample_modification("Li7La3Zr2O12 (Al-doped nanofibers, sintered pellet)")
    ''
    """
    return ", ".join(m.group(0) for m in _MODIFICATION.finditer(text))
