"""What ``screen`` says where its conductivity model errs on a class of the ranked candidates.

A conductivity model trained with a family-grouped scheme carries its held-out errors by anion
class (:mod:`electroscreen.models.heldout_classes`: ``heldout_by_anion_class_``). For each class
past :data:`~electroscreen.models.heldout_classes.WARN_WHEN` (interval coverage below 0.85 from at least 10 rows, or a
mean error of 1.5 decades or more) that holds some of the ranked candidates, :func:`class_warnings`
gives one line::

    212 of 1,810 ranked candidates are halides not measured in the model's data; on held-out
    families the conductivity model covered 70 % of halide rows with its 90 % intervals and
    predicted 1.7 decades too low on average (mean absolute error 2.8 decades; 23 rows, family_cv)

Each candidate's class is its formula's, by the model's own rule (``anion_rule_``,
:func:`~electroscreen.data.anion_classes.anion_classes`), as the model classed its training rows.
Only the candidates the conductivity data do not hold count (no ``train_id`` / ``heldout_id``,
:func:`~electroscreen.screening.near_measured.measured_rows`): the measured value of the others is
beside their prediction. A class below the thresholds, or with no such candidate, says nothing; so
does a model without the record (pickled before it, or trained without a family-grouped scheme).
Screening another carrier than the model learned from (Na with a Li-ion model), the figures of
Li-ion conductors describe none of the rows: :func:`warn_classes` keeps the carrier's warning
(:func:`carrier_warning`, also said before the batches) instead of the class lines. ``screen`` prints the
lines as ``warning:`` lines after its summary, writes them to ``OUT/model_warnings.txt``
(:func:`write_warnings`), and records them on its MLflow run (tag :data:`WARNINGS_TAG` and the
run's description).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from electroscreen.data.anion_classes import ANION_CLASSES, ANION_RULE, anion_classes
from electroscreen.data.candidates import OK
from electroscreen.data.compositions import pack_compositions
from electroscreen.models.heldout_classes import (
    class_plural,
    describe_class,
    heldout_record,
    poor_classes,
)
from electroscreen.models.tasks import CONDUCTIVITY
from electroscreen.screening.near_measured import measured_rows
from electroscreen.screening.ranking import is_ranked

if TYPE_CHECKING:
    from electroscreen.screening.screen_setup import ScreeningJob

__all__ = [
    "WARNINGS_FILE",
    "WARNINGS_TAG",
    "carrier_warning",
    "class_warnings",
    "warning_text",
    "model_class_warnings",
    "warn_classes",
    "write_warnings",
]

#: The file of the warning lines in the output folder (none when there is no warning).
WARNINGS_FILE = "model_warnings.txt"
#: The screening run's tag holding the same lines.
WARNINGS_TAG = "electroscreen.model_warnings"


def carrier_warning(carrier: str) -> str | None:
    """The warning for a screening of ``carrier`` candidates when the conductivity model learned
    from other carriers' conductors only (None when it learned from this one)."""
    if not CONDUCTIVITY.carrier_note(carrier):
        return None
    return (
        f"filters.carrier is {carrier}, but the conductivity model learned from "
        f"{'/'.join(CONDUCTIVITY.carriers)}-ion conductors only (OBELiX, Liverpool): its "
        f"pred_log10_sigma is not a {carrier}-ion conductivity, and neither its intervals nor its "
        "held-out figures describe these rows (each row's pred_feature_status says so)"
    )


def class_warnings(results: pd.DataFrame, predictor: Any) -> list[str]:
    """One line per anion class of the ranked, unmeasured candidates on which ``predictor``'s
    held-out errors are poor (module docstring), in
    :data:`~electroscreen.data.anion_classes.ANION_CLASSES` order.

    Parameters
    ----------
    results : DataFrame
        The ranked results (``formula`` and ``rank``; without ``rank``, the ``ok`` rows count;
        rows with a ``train_id`` or ``heldout_id`` do not).
    predictor : CandidatePredictor
        The conductivity model; one without a held-out record gives no line.
    """
    record = heldout_record(predictor)
    poor = poor_classes(record)
    if not poor:
        return []
    ranked = (
        is_ranked(results["rank"])
        if "rank" in results
        else (results["status"].astype(str) == OK).to_numpy()
    )
    n_ranked = int(ranked.sum())
    ranked &= ~measured_rows(results).to_numpy(bool)
    formulas = results["formula"].to_numpy(dtype=object)[ranked]
    packed = pack_compositions([str(f) for f in formulas])
    codes = anion_classes(packed, getattr(predictor, "anion_rule_", ANION_RULE))
    codes = codes[np.asarray(packed.status) == OK]  # a ranked row's formula always parses
    counts = np.bincount(codes, minlength=len(ANION_CLASSES))
    lines = []
    for name in poor:
        count = int(counts[ANION_CLASSES.index(name)])
        if count:
            lines.append(
                f"{count:,} of {n_ranked:,} ranked candidates {class_plural(name, count)} "
                "not measured in the model's data; " + describe_class(name, record)
            )
    return lines


def warning_text(lines: list[str]) -> str:
    """The lines as the file and the MLflow tag hold them: ``warning: ...``, one per line."""
    return "\n".join(f"warning: {line}" for line in lines)


def write_warnings(out: str | Path, lines: list[str]) -> Path | None:
    """Write ``lines`` (:func:`warning_text`) to ``out/model_warnings.txt``; with no line,
    remove an earlier run's file. Returns the file, or None."""
    path = Path(out) / WARNINGS_FILE
    if not lines:
        path.unlink(missing_ok=True)
        return None
    path.write_text(warning_text(lines) + "\n", encoding="utf-8")
    return path


def model_class_warnings(
    results: pd.DataFrame,
    model_uri: str,
    tracking_uri: str | None,
    device: str,
    sha256: str | None,
) -> list[str]:
    """:func:`class_warnings` of the conductivity model behind ``model_uri`` (loaded once per
    process: the batches' copy where they ran in this process)."""
    from electroscreen.screening.batch import cached_predictor

    return class_warnings(results, cached_predictor(model_uri, tracking_uri, device, sha256))


def warn_classes(job: ScreeningJob, results: pd.DataFrame, local: bool) -> None:
    """``screen``'s step after ranking: say (``warning: ...``), write to ``OUT/model_warnings.txt``
    and keep in ``job.class_warnings`` (for the MLflow run) the lines of :func:`class_warnings`, or
    for a carrier the model did not learn from, :func:`carrier_warning`.

    The model is the one the batches loaded when they ran in this process (``local``), else it is
    loaded here on the CPU. The results are written by then: a failure to read the model is said,
    never raised.
    """
    uri, digest = job.model_uris["conductivity"], job.model_digests.get("conductivity")
    other_carrier = carrier_warning(job.config.filters.carrier)
    try:
        device = job.device if local else "cpu"
        job.class_warnings = (
            [other_carrier]
            if other_carrier
            else model_class_warnings(results, uri, job.tracking_uri, device, digest)
        )
    except Exception as exc:  # noqa: BLE001 - the screening's results stand without it
        job.say(f"warning: could not read the held-out errors of {uri}: {exc}")
    for line in job.class_warnings:
        job.say(f"warning: {line}")
    write_warnings(job.out, job.model_warnings())  # with the descriptor warnings said at start
