"""What the MLflow UI shows about our experiments and runs: kind tags and descriptions.

Descriptions are the tag ``mlflow.note.content`` (markdown), shown on the experiment's and the run's
overview pages; the experiment list shows the first words of an experiment's as plain text (the
raw markdown), so each experiment note opens with a plain sentence.

Our experiments are also tagged ``mlflow.experimentKind=custom_model_development`` ("Machine
learning" in the experiment's kind selector). MLflow 3.17's UI does **not** pick its view from that
tag: a browser that has not chosen **Model training** (or an address without
``?workflowType=machine_learning``) opens an experiment in the GenAI view (traces, judges, prompts),
and a run page shows the GenAI sidebar. The tag is kept: it is harmless, and it says what the
experiment holds to whatever reads it.
"""

from __future__ import annotations

from collections.abc import Mapping

from mlflow import MlflowClient

__all__ = [
    "EXPERIMENT_KIND",
    "EXPERIMENT_KIND_TAG",
    "NOTE_TAG",
    "describe_experiment",
    "training_note",
]

EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"
NOTE_TAG = "mlflow.note.content"

#: Descriptions of the experiments ``train`` and ``screen`` create, by kind of run.
EXPERIMENT_NOTES = {
    "train": (
        "Models of electroscreen train: each run evaluates a config (OBELiX official split and "
        "grouped cross-validation), fits the final model, logs it as a pyfunc model and "
        "registers it. Compare models by grouped cross-validation, not by the test split: "
        "conductivity by `cv_mae` (families never seen; `trfamcv_mae` / `trchemcv_mae` where run: "
        "the train rows only, what model selection uses), air stability by `compcv_roc_auc` and "
        "`compcv_brier_skill`; and the interval coverages `*_coverage_*` with their widths "
        "`*_interval_width`. Beside the OBELiX paper's numbers put `test_mae_obelix_protocol` "
        "(every test row, censored ones as 1e-15 S/cm), not `test_mae` (exact values only). Each "
        "run's description explains its metric names."
    ),
    "screen": (
        "Screenings of electroscreen screen: each run filters, predicts and ranks a candidate "
        "pool. Compare runs by `n_sigma_gt_1e-4_air_stable` (predicted above 1e-4 S/cm with "
        "an air-stability score >= 0.5: only between screenings at the same temperature, param "
        "`temperature_c`, since the predicted conductivity rises with it), "
        "`best_pred_log10_sigma` (the same), `pareto_front_size` and the filter funnel "
        "`passed_*`; the ranked table is under Artifacts > results, the Pareto plot under plots."
    ),
}


#: How the notes of earlier versions began (markdown first, which the experiment list showed raw):
#: such a note is ours, and is replaced by the current one; any other text is a user's, and kept.
_EARLIER_NOTES = ("Models of **electroscreen train**", "Screenings of **electroscreen screen**")


def describe_experiment(client: MlflowClient, experiment_id: str, kind: str) -> None:
    """Tag an experiment as model development; give it a description unless it has one (a
    description an earlier version of electroscreen wrote is brought up to date)."""
    experiment = client.get_experiment(experiment_id)
    if experiment.tags.get(EXPERIMENT_KIND_TAG) != EXPERIMENT_KIND:
        client.set_experiment_tag(experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
    note = experiment.tags.get(NOTE_TAG)
    if kind in EXPERIMENT_NOTES and (not note or note.startswith(_EARLIER_NOTES)):
        client.set_experiment_tag(experiment_id, NOTE_TAG, EXPERIMENT_NOTES[kind])


def training_note(
    task: str,
    estimator: str,
    featurizers: list[str],
    n_rows: int,
    headline: Mapping[str, float],
    model_uri: str,
    description: str | None = None,
    fit: tuple[int, str] | None = None,
    key: list[str] | None = None,
) -> str:
    """Markdown description of a training run: inputs, model, what it scored.

    ``fit``: how many rows the final model learned from, and which (``(672, "the official train
    split + guarded extra rows")``): the table's rows less those without a label or features.
    ``key``: markdown lines under the metric table saying what its names mean
    (:func:`electroscreen.experiments.metric_key.metric_key`).
    """
    learned = ""
    if fit is not None:
        learned = f"; the final model learned from {fit[0]} of {fit[1]} (featurized, labelled)"
    lines = [
        f"**{task}** model: `{estimator}` on {', '.join(f'`{f}`' for f in featurizers)}.",
        "",
        f"- training table: {n_rows} rows{learned}",
        f"- registered as `{model_uri}`",
    ]
    if description:
        lines.insert(1, description)
    if headline:
        lines += ["", "| metric | value | unit |", "|---|---|---|"]
        lines += [f"| {name} | {value:.3f} | {_unit(name)} |" for name, value in headline.items()]
        if key:
            lines += ["", *key]
    return "\n".join(lines)


#: Units of the training metrics that have one (the others are ratios or scores without unit);
#: ``coverage_`` stands for every ``coverage_<percent>``.
_METRIC_UNITS = {
    "mae": "log10 S/cm",
    "mae_obelix_protocol": "log10 S/cm",
    "rmse": "log10 S/cm",
    "interval_width": "decades",
    "coverage_": "share of rows",
    "top5_hit_rate": "share of the top 5 %",
}


def _unit(name: str) -> str:
    """``cv_mae`` -> ``log10 S/cm``; empty for unitless metrics (R2, ROC-AUC, Brier, ...)."""
    metric = name.split("_", 1)[1] if "_" in name else name
    if metric.startswith("coverage_"):
        metric = "coverage_"
    return _METRIC_UNITS.get(metric, "")
