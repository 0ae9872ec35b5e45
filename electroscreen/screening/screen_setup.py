"""What ``screen`` settles before it writes anything: the scale-out options, the models and the inputs.

:func:`scale_out` checks the Dask options (``workers``, ``scheduler``, ``cluster``, ``jobs``,
``cluster_config``) and says which cluster to create; :func:`set_up` resolves the tracking store,
the device and the models (their URIs, digests and interval coverage), checks the inputs (they
exist, ``--out`` is not inside one of them) and plans them (fixed batch boundaries, content digest).
Its :class:`ScreeningJob` carries the screening's state through the steps of
:func:`~electroscreen.screening.runner.screen`. Any problem found here is raised before ``--out``
or MLflow are touched.
"""

from __future__ import annotations

import glob
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from electroscreen.data.input_paths import missing_inputs, skipped_files, skipped_message
from electroscreen.experiments.model_coverage import model_coverage
from electroscreen.experiments.tracking import resolve_tracking_uri
from electroscreen.screening.batch import screening_device
from electroscreen.screening.checkpoint import Manifest
from electroscreen.screening.inputs import InputPlan, plan_inputs
from electroscreen.screening.screen_config import ScreeningConfig
from electroscreen.screening.screen_models import (
    ScreeningError,
    default_model_uris,
    fingerprint_models,
)

__all__ = ["ScreeningJob", "scale_out", "set_up"]


@dataclass
class ScreeningJob:
    """One screening's state, from :func:`set_up` through the runner's steps to its result."""

    inputs: list[str | Path]
    """The inputs as given (one path is a list of one)."""
    out: Path
    """The output folder."""
    config: ScreeningConfig
    tracking_uri: str
    """The resolved MLflow store (models and the screening run)."""
    device: str
    """Where torch models run (``auto``, ``cpu`` or ``cuda``)."""
    model_uris: dict[str, str]
    """``{"conductivity": uri, "air_stability": uri}``."""
    model_digests: dict[str, str]
    """SHA-256 of each model's files, by the same roles."""
    coverage: float | None
    """Nominal coverage of the conductivity model's intervals (None: the store does not say)."""
    plan: InputPlan
    manifest: Manifest
    """What decides the output: equal manifests mean resumable checkpoints."""
    say: Callable[[str], None]
    """Receives one-line messages."""
    start: float
    """``time.perf_counter()`` when the screening began."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step so far (``plan``, ``batches``, ``rank_write``, ``total``)."""
    run_id: str | None = None
    """The MLflow run, once started (None: tracking off or failed)."""
    tracking_error: str | None = None
    """Why the MLflow run could not be started or completed."""
    class_warnings: list[str] = field(default_factory=list)
    """The anion classes of ranked candidates where the conductivity model errs, one line each
    (:mod:`~electroscreen.screening.class_warnings`)."""
    descriptor_warnings: list[str] = field(default_factory=list)
    """The models whose descriptors this code computes otherwise than when they were trained,
    one line each (:func:`~electroscreen.screening.screen_models.check_descriptors`)."""
    ranking_warnings: list[str] = field(default_factory=list)
    """Many ranked rows above the top of ``ranking.sigma_range``, their conductivity terms tied
    (:mod:`~electroscreen.screening.range_warnings`)."""

    def model_warnings(self) -> list[str]:
        """Every line of ``OUT/model_warnings.txt`` and the MLflow run: the descriptor warnings,
        the ranking's, then the class warnings."""
        return [*self.descriptor_warnings, *self.ranking_warnings, *self.class_warnings]


def scale_out(
    workers: int | None,
    scheduler: str | None,
    cluster: str | None,
    jobs: int,
    cluster_config: str | Path | dict | None,
    out: str | Path,
    say: Callable[[str], None],
) -> tuple | None:
    """The scale-out options checked, and the cluster to create: ``(kind, jobs, options, say)``
    for :func:`~electroscreen.screening.execution.batch_runner`, or None without ``cluster``.

    Raises
    ------
    ScreeningError
        Several of ``workers``, ``scheduler`` and ``cluster``; ``jobs`` or ``cluster_config``
        without ``cluster``; a count or cluster kind the Dask client would refuse.
    """
    if sum(x is not None for x in (workers, scheduler, cluster)) > 1:
        raise ScreeningError("give either workers or scheduler (or cluster), not several")
    if cluster is None and (jobs != 1 or cluster_config is not None):
        raise ScreeningError("jobs and cluster_config set up a --cluster: give --cluster too")
    _check_scale_out(workers, cluster, jobs)  # before --out or MLflow are touched
    if cluster is None:
        return None
    from electroscreen.screening.cluster import check_submit_tools, load_cluster_config

    options = load_cluster_config(cluster_config)  # a file or a mapping, values checked
    check_submit_tools(cluster)  # no `sbatch` here: said before --out or MLflow are touched
    if cluster != "local":  # the TLS credentials of the jobs: beside the results, shared
        options.setdefault("shared_temp_directory", str(Path(out).resolve()))
    return (cluster, jobs, options, say)


def _check_scale_out(workers: int | None, cluster: str | None, jobs: int) -> None:
    """The checks the Dask client and cluster make when built, made before any work."""
    from electroscreen.screening.cluster import check_cluster_kind
    from electroscreen.screening.distributed import check_count

    try:
        if workers is not None:
            check_count("--workers", workers)
        check_count("--jobs", jobs)
        if cluster is not None:
            check_cluster_kind(kind=cluster)
    except ValueError as exc:
        raise ScreeningError(str(exc)) from None


def set_up(
    inputs: list[str | Path],
    out: str | Path,
    config: ScreeningConfig,
    models: tuple[str | None, str | None],
    device: str,
    tracking_uri: str | None,
    say: Callable[[str], None],
    start: float,
) -> ScreeningJob:
    """The models resolved and the inputs checked and planned: the screening's :class:`ScreeningJob`.

    ``models`` are the conductivity and stability model URIs asked for (None: the newest
    registered version). Files the inputs' folders hold in no candidate format are named through
    ``say``.

    Raises
    ------
    ScreeningError
        No input, an input that does not exist, ``out`` inside an input folder, no model.
    """
    if not inputs:
        raise ScreeningError("no input given: pass structure files, folders or formula tables")
    out = Path(out)
    uri = resolve_tracking_uri(tracking_uri)
    device = screening_device(device)
    model_uris = default_model_uris(uri, *models)
    model_uris, model_digests = fingerprint_models(model_uris, uri)
    coverage = model_coverage(model_uris["conductivity"], uri)  # once: plot and console labels
    _check_inputs(inputs, out, say)
    plan = plan_inputs(inputs)
    manifest = Manifest(
        config_digest=config.digest(), input_digest=plan.checkpoint_digest,
        conductivity_model_uri=model_uris["conductivity"],
        stability_model_uri=model_uris["air_stability"],
        tracking_uri=uri, batch_size=config.batch_size,
        conductivity_model_digest=model_digests["conductivity"],
        stability_model_digest=model_digests["air_stability"],
    )  # fmt: skip
    return ScreeningJob(
        inputs, out, config, uri, device, model_uris, model_digests, coverage, plan, manifest,
        say, start,
    )  # fmt: skip


def _check_inputs(inputs: list[str | Path], out: Path, say: Callable[[str], None]) -> None:
    """Every input exists (files of no candidate format in its folders are named through ``say``)
    and ``out`` is not inside one of them."""
    missing = missing_inputs(inputs, "candidate")
    if skipped := skipped_files(inputs):
        say(skipped_message(skipped))
    if missing:
        raise ScreeningError(f"no candidate file found at {', '.join(missing)}")
    _refuse_out_inside_inputs(out, list(inputs))


def _refuse_out_inside_inputs(out: Path, inputs: list[str | Path]) -> None:
    """An ``--out`` inside a folder given as input would be read as candidates by the next run
    (its batches, results and manifest): refused before anything is written."""
    target = out.resolve()
    for raw in inputs:
        named = Path(str(raw))
        matched = (
            [named] if named.is_dir() else [Path(p) for p in glob.glob(str(raw), recursive=True)]
        )
        for folder in (p for p in matched if p.is_dir()):
            if target == folder.resolve() or folder.resolve() in target.parents:
                raise ScreeningError(
                    f"--out {out} is inside the input folder {folder}: the next run would read "
                    "its outputs as candidates; choose an --out folder outside the inputs"
                )
