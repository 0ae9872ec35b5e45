"""The scikit-learn conventions of a predictor: ``predict``, ``score`` and ``NotFittedError``.

:class:`~electroscreen.models.predictor.CandidatePredictor` follows scikit-learn's estimator
conventions where its inputs allow: parameters in ``__init__`` (``get_params``, ``set_params``,
``clone``), learned state with a trailing underscore (``check_is_fitted``), ``fit`` returning
``self``, :class:`sklearn.exceptions.NotFittedError` from an unfitted model (a ``ValueError``,
so code that caught one still does), ``predict`` and ``score`` (:class:`EstimatorConventions`).
It departs from them in two ways:

* its inputs are candidate frames, not ``X, y``: ``fit(table)`` and ``score(table)`` take a
  labelled task table (:func:`~electroscreen.models.tasks.load_task_table`), ``predict(frame)`` a
  frame with a formula and/or structure column, because the features are computed from those
  columns. ``cross_val_score`` and ``GridSearchCV`` therefore do not apply:
  :func:`~electroscreen.models.evaluation.evaluate` runs the project's evaluation schemes;
* an air-stability model's ``predict`` is the probability ``p_air_stable``, not a class label.

``score`` is the figure :func:`~electroscreen.models.evaluation.evaluate` reports under the same
name, on rows the model predicts: the R^2 of a conductivity model (``regression_metrics``: on
the rows with an exact ``log10_sigma``), the accuracy at 0.5 of an air-stability model
(``classification_metrics``, each composition counting once: scikit-learn's
``ClassifierMixin.score`` is the accuracy too).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError

from electroscreen.models.metrics import classification_metrics, regression_metrics
from electroscreen.models.tasks import targets_for
from electroscreen.models.temperature import TEMPERATURE_COLUMN

__all__ = ["EstimatorConventions", "check_fitted"]


def check_fitted(predictor: object) -> None:
    """Raise :class:`~sklearn.exceptions.NotFittedError` (a ``ValueError``) when ``predictor``
    has not been fitted (no ``estimator_``)."""
    if not hasattr(predictor, "estimator_"):
        raise NotFittedError(
            f"the predictor is not fitted: call fit(table) first ({type(predictor).__name__})"
        )


class EstimatorConventions:
    """``predict`` and ``score`` of a ``CandidatePredictor`` (see the module docstring); the
    host class provides ``predict_frame`` and ``_check`` (its :class:`~electroscreen.models.
    tasks.Task`)."""

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """The point prediction of each row of ``frame``, as a NumPy array.

        Parameters
        ----------
        frame : DataFrame
            As :meth:`predict_frame` reads it (a formula and/or structure column; optional
            ``temperature_c``).

        Returns
        -------
        ndarray of float64, shape (len(frame),)
            The task's :attr:`~electroscreen.models.tasks.Task.point_column` of
            :meth:`predict_frame`: ``pred_log10_sigma`` (conductivity, log10 S/cm) or
            ``p_air_stable`` (air stability: a probability, not a class label). NaN where a row
            cannot be predicted (its reason is ``predict_frame``'s ``pred_status``).

        Raises
        ------
        NotFittedError
            The predictor is not fitted.
        """
        column = self._check().point_column
        return self.predict_frame(frame)[column].to_numpy(dtype=np.float64)

    def score(self, table: pd.DataFrame) -> float:
        """How well the model predicts the labels of ``table``, higher is better.

        Parameters
        ----------
        table : DataFrame
            A labelled task table (``log10_sigma, censored, log10_sigma_upper`` for conductivity,
            ``verdict`` for air stability), as :meth:`fit` takes.

        Returns
        -------
        float
            Conductivity: R^2 of ``pred_log10_sigma`` against ``log10_sigma`` at 25 degC (a
            ``temperature_c`` column is not read: the labels are 25 degC values), on the rows
            with an exact value: censored rows (``<1E-10``, only an upper bound) are left out, as
            from every error metric of ``evaluate``. Air stability: the accuracy of
            ``p_air_stable >= 0.5`` against the collapsed verdict, each composition weighted to
            count once. Rows the model cannot predict (a bad formula) are left out. NaN when
            fewer than two rows (conductivity) or none (air stability) remain.

        Raises
        ------
        NotFittedError
            The predictor is not fitted.
        ValueError
            ``table`` lacks a label column (named).
        """
        task = self._check()
        check_fitted(self)
        try:
            targets = targets_for(task, table)
        except KeyError as missing:
            raise ValueError(
                f"score takes a labelled {task.name} table, as fit does: it has no column {missing}"
            ) from None
        pred = self.predict(table.drop(columns=[TEMPERATURE_COLUMN], errors="ignore"))
        if task.kind == "regression":
            metrics = regression_metrics(targets.y, pred, evaluable=targets.evaluable)
            return float(metrics.get("r2", np.nan))
        metrics = classification_metrics(targets.y, pred, targets.sample_weight)
        return float(metrics.get("accuracy", np.nan))
