"""Tasks, scikit-learn and torch estimators, uncertainty and evaluation.

API summary (stable; each fact's home is named, and the module's docstring has the details)
--------------------------------------------------------------------------------------------
``electroscreen.models.tasks``
    ``load_task_table(task, data_dir=None, *, structures=False, liverpool=False) -> DataFrame``
    (the labelled candidate table of a task: ``conductivity``'s ``log10_sigma, censored, family,
    split, ...``, ``air_stability``'s ``verdict, ...``); ``get_task(name) -> Task`` (``.name,
    .kind, .output_columns, .summary``); ``targets_for(task, table) -> Targets`` (``y, evaluable,
    censored_bound, sample_weight``). Censored conductivities are trained at their upper bound and
    excluded from error metrics and conformal calibration; air-stability verdicts collapse
    ``stable, moderate -> 1``, ``unstable -> 0``.

``electroscreen.models.predictor``
    ``CandidatePredictor(task="conductivity", featurizers=("magpie", "electrolyte"),
    estimator="random_forest", estimator_params=None, ...)``: its parameters are listed in its
    class docstring (and checked by ``predictor_params.check_predictor_params``).

    - ``estimator``: a name of :data:`~electroscreen.models.estimators.ESTIMATORS` (the one list;
      ``build_estimator`` says which task each suits); an estimator has the interface of
      :func:`~electroscreen.models.estimators.check_interface`.
    - ``fit(table) -> self``: a labelled task table (``load_task_table``).
    - ``predict_frame(frame) -> DataFrame`` (same index as ``frame``; ``frame`` needs ``formula``
      and may have ``structure`` = CIF text, pymatgen Structure or None/NaN, ``temperature_c``,
      ``status``/``candidate_id``): the columns of ``output_columns()``
      (``predictor_outputs.output_columns``: the task's ``output_columns``, novelty and activation
      energy where the model has them) and ``pred_status`` (``"ok"`` or why the row has NaN
      predictions).
    - ``predict(frame) -> ndarray`` (the task's point prediction, ``pred_log10_sigma`` or the
      probability ``p_air_stable``), ``score(table) -> float`` (R^2 without censored rows, or the
      accuracy at 0.5): scikit-learn's names on candidate frames, not ``X, y``
      (``predictor_scoring``); unfitted, ``sklearn.exceptions.NotFittedError`` (a ``ValueError``).
    - ``featurize(frame) -> Design``, ``fit_design(design, table)``, ``predict_design(design)``: the
      same steps split, so one featurization serves many fits (evaluation, CV).
    - fitted attributes: ``feature_names_`` (ndarray of str), ``estimator_`` (the fitted
      estimator, a ``ConformalRegressor`` for conductivity), ``feature_importances()`` ->
      ``pandas.Series`` indexed by feature name (NaN for models without importances),
      ``task_`` (``Task``); a conductivity model from ``train``, ``heldout_by_anion_class_``
      (its held-out errors per anion class, plain dicts, or None; absent from older pickles:
      ``heldout_classes.heldout_record``).
    - ``.to(device)`` moves torch parts; pickling is safe (torch weights travel as state dicts and
      load with ``torch.load(..., weights_only=True)``).
    - ``config() -> dict`` JSON-friendly parameters (for logging as params).

``electroscreen.models.evaluation``
    ``evaluate(predictor, table, scheme="official", n_splits=5, *, design=None, on_folds=None)
    -> EvaluationResult``, ``scheme`` one of :data:`~electroscreen.models.splits.SCHEMES`, with
    ``.metrics`` (:func:`~electroscreen.models.metrics.regression_metrics` or
    :func:`~electroscreen.models.metrics.classification_metrics`), ``.predictions`` (one row per
    held-out row: ``y_true, y_pred, y_std, ..., fold``), ``.per_group`` and ``.breakdowns``.

Lower level: ``sklearn_models.TreeEnsembleRegressor/Classifier``, ``linear_models``,
``torch_mlp``, ``composition_attention``, ``graph``, ``averaged``, ``gated`` (each estimator of
``ESTIMATORS``), ``uncertainty.ConformalRegressor`` (split-conformal / CV+ intervals),
``torch_base.resolve_device``. The predictor's parts: ``estimators`` (``ESTIMATORS``,
``build_estimator``, ``check_estimator``), ``featurize`` (``Design``, ``featurize_frame``,
``reads_structures``), ``side_models`` (novelty and activation energy); the evaluation's:
``splits`` (``SCHEMES``, ``guard_extra_rows``, ...) and ``metrics`` (``regression_metrics``, ...).
Every name listed above stays importable from ``predictor`` / ``evaluation``.
"""
