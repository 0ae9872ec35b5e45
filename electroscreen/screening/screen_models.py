"""Which models a screening uses: the given URIs or the newest registered ones, and their digests.

:func:`default_model_uris` picks the conductivity and air-stability models (the given URIs, else the
newest registered versions of the default model names); :func:`fingerprint_models` resolves aliases
to a version and hashes each model's files (the checkpoint manifest records both, so a resumed
screening uses the same models); :func:`check_descriptors` says, before the batches, which model
this code feeds other descriptors than it was trained on
(:mod:`~electroscreen.models.descriptor_fingerprint`). :class:`ScreeningError` is the error of a
screening that cannot start.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from electroscreen.configs import CONDUCTIVITY_MODEL, STABILITY_MODEL
from electroscreen.experiments.model_registry import ModelNotFoundError, latest_model_uri

if TYPE_CHECKING:
    from electroscreen.screening.screen_setup import ScreeningJob

__all__ = ["ScreeningError", "check_descriptors", "default_model_uris", "fingerprint_models"]


class ScreeningError(RuntimeError):
    """A screening cannot start (no inputs, no models); the message says what to do."""


def default_model_uris(
    tracking_uri: str | None,
    conductivity_model: str | None = None,
    stability_model: str | None = None,
) -> dict[str, str]:
    """The model URIs to screen with: the given ones, else the newest registered versions.

    Raises
    ------
    ScreeningError
        When a default model is not registered in the store; the message says how to train it.
    """
    uris = {}
    for key, given, name in (
        ("conductivity", conductivity_model, CONDUCTIVITY_MODEL),
        ("air_stability", stability_model, STABILITY_MODEL),
    ):
        if given:
            uris[key] = given
            continue
        try:
            uris[key] = latest_model_uri(name, tracking_uri)
        except ModelNotFoundError as exc:
            raise ScreeningError(
                f"{exc} (or run `make demo`, which trains both default models), "
                f"or pass --{'conductivity' if key == 'conductivity' else 'stability'}-model URI"
            ) from exc
    return uris


def fingerprint_models(
    model_uris: dict[str, str], tracking_uri: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Each model's concrete URI (aliases resolved to a version) and the SHA-256 of its files.

    Raises
    ------
    ScreeningError
        When a model's files cannot be read; the message names the model.
    """
    from electroscreen.experiments.model_registry import model_fingerprint

    resolved, digests = {}, {}
    for role, model_uri in model_uris.items():
        try:
            resolved[role], digests[role] = model_fingerprint(model_uri, tracking_uri)
        except Exception as exc:  # noqa: BLE001 - any store error: name the model
            raise ScreeningError(
                f"cannot read the {role} model {model_uri} in {tracking_uri}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    return resolved, digests


def check_descriptors(job: ScreeningJob, local: bool) -> None:
    """Check each model's descriptor fingerprint against this code
    (:func:`~electroscreen.models.descriptor_fingerprint.drift_line`): a model whose descriptors
    differ is said (``warning: ...``) and kept in ``job.descriptor_warnings`` (written with the
    class warnings to ``OUT/model_warnings.txt`` and the MLflow run); a model without a fingerprint
    is one ``note:`` line. Seconds in ``job.timings["descriptor_check"]`` (the check alone, not
    the loading).

    The models are the batches' copies when they run in this process (``local``), else loaded here
    on the CPU (as :func:`~electroscreen.screening.class_warnings.warn_classes` loads the
    conductivity model).
    """
    from electroscreen.models.descriptor_fingerprint import drift_line
    from electroscreen.screening.batch import cached_predictor

    device = job.device if local else "cpu"
    job.descriptor_warnings, seconds = [], 0.0
    for role, uri in job.model_uris.items():
        predictor = cached_predictor(uri, job.tracking_uri, device, job.model_digests.get(role))
        tick = time.perf_counter()
        said = drift_line(predictor, f"{role} model {uri}")
        seconds += time.perf_counter() - tick
        if said is not None:
            job.say(f"{said[0]}: {said[1]}")
            if said[0] == "warning":
                job.descriptor_warnings.append(said[1])
    job.timings["descriptor_check"] = seconds
