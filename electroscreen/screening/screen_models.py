"""Which models a screening uses: the given URIs or the newest registered ones, and their digests.

:func:`default_model_uris` picks the conductivity and air-stability models (the given URIs, else the
newest registered versions of the default model names); :func:`fingerprint_models` resolves aliases
to a version and hashes each model's files (the checkpoint manifest records both, so a resumed
screening uses the same models). :class:`ScreeningError` is the error of a screening that cannot
start.
"""

from __future__ import annotations

from electroscreen.configs import CONDUCTIVITY_MODEL, STABILITY_MODEL
from electroscreen.experiments.model_registry import ModelNotFoundError, latest_model_uri

__all__ = ["ScreeningError", "default_model_uris", "fingerprint_models"]


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
