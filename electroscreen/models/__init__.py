"""Tasks, scikit-learn and torch estimators, uncertainty and evaluation.

API summary (stable; see each module for details)
-------------------------------------------------
``electroscreen.models.tasks``
    ``load_task_table(task, data_dir=None, *, structures=False) -> DataFrame`` (labelled candidate
    table: ``candidate_id, formula, source, status, error, structure`` + ``log10_sigma, censored,
    log10_sigma_upper, family, split`` for ``conductivity``; ``verdict, family, ...`` for
    ``air_stability``); ``get_task(name) -> Task`` (``.name, .kind, .output_columns``);
    ``targets_for(task, table) -> Targets`` (``y, evaluable, censored_bound, sample_weight``).
    Censored conductivities are trained at their upper bound and excluded from error metrics and
    conformal calibration; air-stability verdicts collapse ``stable, moderate -> 1``, ``unstable -> 0``.

``electroscreen.models.predictor``
    ``CandidatePredictor(task="conductivity", featurizers=("magpie", "electrolyte"),
    estimator="random_forest", estimator_params=None, conformal_alpha=0.1, random_state=0,
    device="auto", conformal_method="auto", censored="bound",
    conformal_groups="chemsys", conformal_novelty_bins=1)``
    - ``estimator``: ``random_forest | extra_trees | gradient_boosting | mlp | graph`` (``graph``:
      structures only, conductivity only, ``featurizers`` must be empty). ``ESTIMATORS`` lists them.
    - ``fit(table) -> self``: a labelled task table (``load_task_table``).
    - ``predict_frame(frame) -> DataFrame`` (same index as ``frame``; ``frame`` needs ``formula`` and may
      have ``structure`` = CIF text, pymatgen Structure or None/NaN, and ``status``/``candidate_id``):
      conductivity ``pred_log10_sigma, pred_log10_sigma_std, pred_log10_sigma_lo,
      pred_log10_sigma_hi, pred_status``; air_stability ``p_air_stable, p_air_stable_std,
      pred_status``. ``pred_status`` is ``"ok"`` or why the row has NaN predictions.
    - ``predict(frame) -> ndarray`` (the task's point prediction, ``pred_log10_sigma`` or the
      probability ``p_air_stable``), ``score(table) -> float`` (R^2 without censored rows, or the
      accuracy at 0.5): scikit-learn's names on candidate frames, not ``X, y``
      (``predictor_scoring``); unfitted, ``sklearn.exceptions.NotFittedError`` (a ``ValueError``).
    - ``featurize(frame) -> Design``, ``fit_design(design, table)``, ``predict_design(design)``: the
      same steps split, so one featurization serves many fits (evaluation, CV).
    - fitted attributes: ``feature_names_`` (ndarray of str), ``estimator_`` (the fitted
      estimator, a ``ConformalRegressor`` for conductivity), ``feature_importances()`` ->
      ``pandas.Series`` indexed by feature name (NaN for models without importances),
      ``task_`` (``Task``).
    - ``.to(device)`` moves torch parts; pickling is safe (torch weights travel as state dicts and
      load with ``torch.load(..., weights_only=True)``).
    - ``config() -> dict`` JSON-friendly parameters (for logging as params).

``electroscreen.models.evaluation``
    ``evaluate(predictor, table, scheme="official" | "family_cv", n_splits=5) -> EvaluationResult``
    with ``.metrics`` (conductivity: ``mae, rmse, r2, spearman, roc_auc, coverage_90, interval_width,
    n, n_missing, n_censored``; air_stability: ``roc_auc, accuracy, brier, log_loss, n``) and
    ``.predictions`` (``candidate_id, formula, family, y_true, y_pred, y_std, y_lo, y_hi, censored,
    weight, fold``). ``family_cv`` groups folds by the ``family`` column (conductivity: the
    structural family; air stability: the chemical class), ``composition_cv`` by composition
    (:func:`~electroscreen.data.composition_match.composition_groups`); all schemes:
    :data:`~electroscreen.models.splits.SCHEMES`.

Lower level: ``sklearn_models.TreeEnsembleRegressor/Classifier``, ``torch_mlp.MLPEnsembleRegressor/
Classifier``, ``graph.GraphRegressor`` (all with ``predict_dist`` / ``predict_proba_dist``),
``uncertainty.ConformalRegressor`` (split-conformal / CV+ intervals), ``torch_base.resolve_device``.
The predictor's parts: ``estimators`` (``ESTIMATORS``, ``build_estimator``), ``featurize``
(``Design``, ``featurize_frame``, ``reads_structures``), ``side_models`` (novelty and activation
energy); the evaluation's: ``splits`` (``SCHEMES``, ``guard_extra_rows``, ...) and ``metrics``
(``regression_metrics``, ...). Every name listed above stays importable from ``predictor`` /
``evaluation``.
"""
