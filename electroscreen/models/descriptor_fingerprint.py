"""Training/serving skew: what a model's featurizers computed when it was trained, checked on load.

A fitted :class:`~electroscreen.models.predictor.CandidatePredictor` pickles its featurizers'
parameters, not their code. When a later electroscreen changes what a descriptor means (the
stabilisation correction of oxysulfides, say), a model trained before is fed descriptors it never
learned from, silently. ``train`` therefore records a *behavioural fingerprint* of the model's own
feature pipeline (:meth:`~electroscreen.models.predictor.CandidatePredictor.featurize`, with the
definitions the model was fitted with): its design columns on a small fixed probe set,
:data:`PROBE_FORMULAS` (sulfides, oxysulfides, oxide, halide, oxyhalide, nitride, hydride and
closo-borate, an unbalanced and a Na one) and, for a model that reads structures, a rock-salt LiCl
cell (:func:`probe_structure`). Each value is rounded to :data:`SIGNIFICANT_DIGITS`
significant digits (values under :data:`ZERO_BELOW` in magnitude are 0, NaN stays NaN), so
floating-point noise across machines does not count as a change, and each column is hashed.

The record is the fitted predictor's attribute ``descriptor_fingerprint_`` (:data:`ATTRIBUTE`),
plain data that unpickles without this module::

    {"version": 1, "digest": "3f0c...",               # of all the column hashes, in order
     "probe": {"formulas": [...], "structures": [...]}, # what was featurized (kept: a later
                                                        # probe set still checks this model)
     "columns": {"MagpieData mean Number": "a1b2...", ...}} # per design column

:func:`check_fingerprint` featurizes the record's own probe again with today's code and names the
columns whose hash differs (or that appeared or vanished). ``screen`` says it once per model at its
start (:func:`drift_line`: a ``warning:`` line, ``OUT/model_warnings.txt``, the MLflow run); the
pyfunc model warns once per load, at its first ``predict`` (:func:`warn_drift`,
:class:`DescriptorDriftWarning`). A predictor pickled before the record has ``None``
(:mod:`~electroscreen.data.legacy_state` fills it), and so has one fitted outside ``train``
(``fit_design`` resets it; the evaluation's fits do not pay for a record): nothing can be checked,
:func:`drift_line` says so. The probe catches the change of 2026-12-07 (O-doped sulfides no longer
corrected as oxides): an air model recorded by the code before it differs in
``rxn_h2o_ev_per_atom`` and ``rxn_co2_ev_per_atom``, on Li3PS3O. The graph network reads
structures, not descriptors: its record has no column, and its check finds nothing.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from electroscreen.models.rock_salt_licl import rock_salt_licl
from electroscreen.notices import NoticeWarning

__all__ = [
    "ARTIFACT",
    "ATTRIBUTE",
    "PROBE_FORMULAS",
    "SIGNIFICANT_DIGITS",
    "TAG",
    "ZERO_BELOW",
    "DescriptorDriftWarning",
    "FingerprintCheck",
    "artifact",
    "attach_fingerprint",
    "check_fingerprint",
    "descriptor_fingerprint",
    "drift_line",
    "probe_structure",
    "probe_values",
    "warn_drift",
]

#: The fitted predictor's attribute holding the record (module docstring).
ATTRIBUTE = "descriptor_fingerprint_"
#: The training run's tag holding the record's digest.
TAG = "electroscreen.descriptor_fingerprint"
#: The training run's artifact holding the record and the rounded values (:func:`artifact`).
ARTIFACT = "descriptor_fingerprint.json"
#: Significant digits a value is compared to.
SIGNIFICANT_DIGITS = 6
#: Magnitudes below this are 0: a difference that is exactly 0 in exact arithmetic comes out as
#: +-1e-17 on one machine and 0 on another.
ZERO_BELOW = 1e-9
#: The probe compositions: one or two of each anion chemistry the models meet.
PROBE_FORMULAS: tuple[str, ...] = (
    "Li3PS4",  # sulfide
    "Li10GeP2S12",  # sulfide, two framework cations
    "Li3PS3O",  # oxysulfide
    "Li6PS4OCl",  # oxysulfide argyrodite, with a halide
    "Li7La3Zr2O12",  # oxide (garnet)
    "Li1.3Al0.3Ti1.7(PO4)3",  # oxide (NASICON), non-integer
    "Li3YCl6",  # halide
    "Li3OCl",  # oxyhalide (antiperovskite)
    "Li3N",  # nitride
    "LiBH4",  # hydride
    "Li2B12H12",  # closo-borate
    "LiCoO2",  # redox-active cation
    "Li2O3",  # not charge balanced
    "Na3PS4",  # another carrier
)


def probe_structure() -> dict[str, Any]:
    """The probe structure as plain data (``lattice``, ``species``, ``frac_coords``): the
    conventional cell of rock-salt LiCl (Fm-3m), 8 sites
    (:func:`~electroscreen.models.rock_salt_licl.rock_salt_licl`)."""
    return rock_salt_licl()


def _probe_frame(probe: Mapping[str, Any]) -> pd.DataFrame:
    """The probe as a frame to featurize: its formulas (no structure), then its structures (each
    with its cell's formula)."""
    from pymatgen.core import Lattice, Structure

    formulas = list(probe["formulas"])
    cells = [
        Structure(Lattice(s["lattice"]), s["species"], s["frac_coords"])
        for s in probe.get("structures", [])
    ]
    frame = pd.DataFrame(
        {"formula": formulas + [c.composition.formula.replace(" ", "") for c in cells]}
    )
    if cells:
        frame["structure"] = pd.Series([None] * len(formulas) + cells, dtype=object)
    return frame


def _rounded(value: float) -> str:
    """``value`` to :data:`SIGNIFICANT_DIGITS` significant digits as text (``nan``, ``inf``)."""
    if math.isnan(value):
        return "nan"
    if abs(value) < ZERO_BELOW:
        return "0"
    return f"{value:.{SIGNIFICANT_DIGITS}g}"


def probe_values(predictor: Any, probe: Mapping[str, Any] | None = None) -> dict[str, list[str]]:
    """Each design column of ``predictor`` on ``probe`` (default: today's probe for this model),
    rounded (:func:`_rounded`), one text per probe row (``nan`` where the row is not predicted).

    Parameters
    ----------
    predictor : CandidatePredictor
        Featurized with its own definitions (a fitted one: those it was fitted with).
    probe : mapping, optional
        ``{"formulas": [...], "structures": [...]}`` as a record keeps it.
    """
    probe = probe if probe is not None else _default_probe(predictor)
    design = predictor.featurize(_probe_frame(probe))
    if not isinstance(design.X, np.ndarray):  # the graph network: no descriptor column
        return {}
    names = [str(n) for n in predictor.feature_names()]
    full = np.full((len(design), len(names)), np.nan)
    full[design.rows] = np.asarray(design.X, dtype=float)
    return {name: [_rounded(v) for v in full[:, j]] for j, name in enumerate(names)}


def _default_probe(predictor: Any) -> dict[str, Any]:
    """Today's probe for ``predictor``: the formulas, and the structure when it reads structures."""
    structures = [probe_structure()] if predictor.reads_structures else []
    return {"formulas": list(PROBE_FORMULAS), "structures": structures}


def _column_hashes(predictor: Any, probe: Mapping[str, Any]) -> dict[str, str]:
    """Each design column's hash of its rounded values on ``probe``."""
    return {
        name: hashlib.sha256(f"{name}|{','.join(values)}".encode()).hexdigest()[:16]
        for name, values in probe_values(predictor, probe).items()
    }


def descriptor_fingerprint(predictor: Any) -> dict[str, Any]:
    """The record of ``predictor``'s featurization on today's probe (module docstring)."""
    probe = _default_probe(predictor)
    columns = _column_hashes(predictor, probe)
    digest = hashlib.sha256("".join(columns.values()).encode()).hexdigest()[:16]
    return {"version": 1, "digest": digest, "probe": probe, "columns": columns}


def attach_fingerprint(predictor: Any) -> dict[str, Any]:
    """Set :func:`descriptor_fingerprint` as the fitted ``predictor``'s :data:`ATTRIBUTE`; returns
    it (``train`` logs it with the run)."""
    record = descriptor_fingerprint(predictor)
    setattr(predictor, ATTRIBUTE, record)
    return record


def artifact(predictor: Any) -> dict[str, Any]:
    """The fitted ``predictor``'s record with the rounded ``values`` of each column on its probe
    (what ``train`` logs as :data:`ARTIFACT`: a later mismatch can be traced to the rows)."""
    record = getattr(predictor, ATTRIBUTE)
    return {**record, "values": probe_values(predictor, record["probe"])}


@dataclass(frozen=True)
class FingerprintCheck:
    """What :func:`check_fingerprint` found."""

    differing: list[str]
    """The columns whose values on the probe differ, have appeared or have gone, in design order
    (the recorded ones first)."""
    n_columns: int
    """Columns the record holds."""

    @property
    def ok(self) -> bool:
        """No column differs."""
        return not self.differing


def check_fingerprint(predictor: Any) -> FingerprintCheck | None:
    """Featurize the record's probe again with today's code and compare (None: no record)."""
    record = getattr(predictor, ATTRIBUTE, None)
    if not record:
        return None
    recorded = dict(record["columns"])
    now = _column_hashes(predictor, record["probe"])
    differing = [n for n, h in recorded.items() if now.get(n) != h]
    differing += [n for n in now if n not in recorded]
    return FingerprintCheck(differing, len(recorded))


def drift_line(predictor: Any, name: str) -> tuple[str, str] | None:
    """What ``screen`` says of the model ``name`` (its role and URI): ``("warning", text)`` when
    today's featurizers compute some of its descriptors differently, ``("note", text)`` when it has
    no record to check, None when every column matches."""
    try:
        check = check_fingerprint(predictor)
    except Exception as exc:  # noqa: BLE001 - the screening goes on; the user hears why
        return ("warning", f"could not check the descriptors of the {name}: {exc}")
    if check is None:
        return (
            "note",
            f"the {name} records no descriptor fingerprint (trained before electroscreen kept "
            "one, or fitted outside `electroscreen train`): whether this code computes its "
            "descriptors as they were when it was trained cannot be checked; retrain it to have "
            "it checked",
        )
    return None if check.ok else ("warning", _drift_text(check, name))


def _drift_text(check: FingerprintCheck, name: str) -> str:
    shown = ", ".join(check.differing[:5]) + (", ..." if len(check.differing) > 5 else "")
    return (
        f"the {name} was trained with descriptors this code now computes differently: "
        f"{len(check.differing)} of {check.n_columns} columns differ on the probe compositions "
        f"({shown}); its predictions are made on descriptors it did not learn from: retrain it"
    )


class DescriptorDriftWarning(NoticeWarning):
    """A loaded model's descriptors are computed differently by this code than when it was
    trained (:func:`warn_drift`)."""


def warn_drift(predictor: Any, stacklevel: int = 2) -> None:
    """One :class:`DescriptorDriftWarning` when :func:`check_fingerprint` finds differing columns
    (nothing for a model without a record: the pyfunc user has not asked)."""
    name = f"{getattr(predictor, 'task', 'loaded')} model"
    try:
        check = check_fingerprint(predictor)
    except Exception as exc:  # noqa: BLE001 - predicting goes on; the user hears why
        text = f"could not check the descriptors of the {name}: {exc}"
    else:
        if check is None or check.ok:
            return
        text = _drift_text(check, name)
    warnings.warn(text, DescriptorDriftWarning, stacklevel=stacklevel + 1)
