"""What the MLflow UI shows about our experiments and runs: kind tags and descriptions.

MLflow 3's UI picks its view of an experiment from the tag ``mlflow.experimentKind``; without it an
experiment opens in the GenAI view (traces, judges, prompts), where a screening run sits under
"Evaluation runs". Our experiments are tagged ``custom_model_development`` (the model-training view:
runs, metrics, params, artifacts, models). Descriptions are the tag ``mlflow.note.content`` (markdown),
shown on the experiment's and the run's overview pages.
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
        "Models of **electroscreen train**: each run evaluates a config (OBELiX official split and "
        "grouped cross-validation), fits the final model, logs it as a pyfunc model and registers "
        "it. Compare runs by `test_mae` (official split), `cv_mae` (grouped cross-validation), the "
        "interval coverages `*_coverage_*` and, for air stability, `*_roc_auc`."
    ),
    "screen": (
        "Screenings of **electroscreen screen**: each run filters, predicts and ranks a candidate "
        "pool. Compare runs by `n_sigma_gt_1e-4_air_stable` (predicted above 1e-4 S/cm with "
        "an air-stability score >= 0.5), `best_pred_log10_sigma`, `pareto_front_size` and the filter "
        "funnel `passed_*`; the ranked table is under Artifacts > results, the Pareto plot "
        "under plots."
    ),
}


def describe_experiment(client: MlflowClient, experiment_id: str, kind: str) -> None:
    """Tag an experiment as model development; give it a description unless it has one."""
    experiment = client.get_experiment(experiment_id)
    if experiment.tags.get(EXPERIMENT_KIND_TAG) != EXPERIMENT_KIND:
        client.set_experiment_tag(experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
    if kind in EXPERIMENT_NOTES and not experiment.tags.get(NOTE_TAG):
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
) -> str:
    """Markdown description of a training run: inputs, model, what it scored.

    ``fit``: how many rows the final model learned from, and which (``(681, "the official train
    split + guarded extra rows")``): the table's rows less those without a label or features.
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
    return "\n".join(lines)


#: Units of the training metrics that have one (the others are ratios or scores without unit).
_METRIC_UNITS = {
    "mae": "log10 S/cm",
    "mae_obelix_protocol": "log10 S/cm",
    "rmse": "log10 S/cm",
    "interval_width": "decades",
    "coverage_90": "share of rows",
    "top5_hit_rate": "share of rows",
}


def _unit(name: str) -> str:
    """``cv_mae`` -> ``log10 S/cm``; empty for unitless metrics (R2, ROC-AUC, Brier, ...)."""
    return _METRIC_UNITS.get(name.split("_", 1)[1] if "_" in name else name, "")
