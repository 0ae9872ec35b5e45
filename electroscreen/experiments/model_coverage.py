"""What a model's intervals claim to cover, read back from the training run that logged it.

``train`` logs ``conformal_alpha`` as a param of its run
(:meth:`~electroscreen.experiments.train_config.TrainConfig.flat_params`); a screening labels its
plots and tables with the nominal coverage ``1 - conformal_alpha`` of the conductivity model it
used (:func:`model_coverage`, once per screening; ``triage`` for a results table).
"""

from __future__ import annotations

from electroscreen.experiments import plots
from electroscreen.experiments.model_registry import model_run_id
from electroscreen.experiments.tracking import tracking_client

__all__ = ["model_coverage"]


def model_coverage(model_uri: str | None, tracking_uri: str | None = None) -> float | None:
    """Nominal coverage of a conductivity model's intervals, as its training run logged it.

    ``1 - conformal_alpha`` of the run that logged the model (param ``conformal_alpha`` of
    :meth:`~electroscreen.experiments.train_config.TrainConfig.flat_params`). A label is never worth
    a failed command: whatever cannot be read gives None, and the label says 90 %.

    Parameters
    ----------
    model_uri : str or None
        ``models:/<name>/<version>``, ``models:/<name>@<alias>``, ``models:/m-...``, ``runs:/...``
        or a model folder.
    tracking_uri : str, optional
        The store holding the model and its run.

    Returns
    -------
    float or None
        None when unknown: no URI, no run behind the model in the store, a run without the param
        (an air-stability model), a store error.
    """
    if not model_uri:
        return None
    try:
        client = tracking_client(tracking_uri)
        run_id = model_run_id(model_uri, client)
        if run_id is None:
            return None
        return plots.alpha_coverage(client.get_run(run_id).data.params.get("conformal_alpha"))
    except Exception:  # noqa: BLE001 - any store or file error: the coverage is unknown
        return None
