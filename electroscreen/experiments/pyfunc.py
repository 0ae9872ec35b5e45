"""The whole pipeline (featurizers + estimator + conformal intervals) as one MLflow pyfunc model.

The fitted :class:`~electroscreen.models.predictor.CandidatePredictor` is pickled into the model's
artifacts (its torch parts travel as state dicts and load with ``torch.load(..., weights_only=True)``)
and wrapped by :class:`CandidatePredictorModel`, a plain ``mlflow.pyfunc.PythonModel`` logged as
"model from code" (a three-line script that imports the class), so the wrapper is never cloudpickled.
No sklearn/skops or torch flavour: our own classes need no trust lists and loading is one unpickle.

Input: a DataFrame with a ``formula`` column and an optional ``structure`` column (CIF text, or
None/empty per row), each structure read and checked as a table's ``cif`` cell is (a row that
``screen`` would refuse, ``overlapping_atoms``, ``structure_parse_error``, ..., has that status and no
prediction). Output: ``formula``, what ``screen`` writes for the same row
(:func:`~electroscreen.data.cell_units.candidate_formulas`: a structure's formula per formula unit
of its cell, ``Li10GeP2S12``; else the input's formula reduced when integral, or as written where
it cannot be parsed; empty where the row has neither) and the row-aligned columns of
``CandidatePredictor.predict_frame``.
"""

from __future__ import annotations

import pickle
import tempfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mlflow
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types.schema import AnyType, ColSpec, Schema

from electroscreen.experiments.pyfunc_input import as_frame, read_rows
from electroscreen.models.descriptor_fingerprint import warn_drift
from electroscreen.models.rock_salt_licl import rock_salt_licl_cif
from electroscreen.models.temperature import LOOKALIKE_TEMPERATURE_COLUMNS, TEMPERATURE_COLUMN

if TYPE_CHECKING:  # the annotation only: importing the predictor loads every featurizer
    from electroscreen.models.predictor import CandidatePredictor

__all__ = [
    "PREDICTOR_ARTIFACT",
    "CandidatePredictorModel",
    "input_example",
    "load_predictor",
    "log_predictor",
    "logged_model_name",
    "model_signature",
    "pip_requirements",
    "save_predictor_file",
]

#: Key of the pickled predictor in the pyfunc model's artifacts.
PREDICTOR_ARTIFACT = "predictor"
PREDICTOR_FILE = "predictor.pkl"
#: The model's code (MLflow "models from code"): the wrapper class is imported, never cloudpickled.
MODEL_CODE = """import mlflow

from electroscreen.experiments.pyfunc import CandidatePredictorModel

mlflow.models.set_model(CandidatePredictorModel())
"""


class CandidatePredictorModel(mlflow.pyfunc.PythonModel):
    """``mlflow.pyfunc`` wrapper of a fitted ``CandidatePredictor`` (loaded from the artifacts)."""

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        """Load the fitted predictor from the model's predictor artifact (MLflow calls this on
        load)."""
        self.predictor = _read_predictor_file(context.artifacts[PREDICTOR_ARTIFACT])

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """``formula`` as ``screen`` writes it and row-aligned predictions (``predict_frame``
        columns, with ``pred_feature_status``: a prediction made on undefined features, or off a
        feature that never varied in training such as an element no training row holds, says so)."""
        if not getattr(self, "drift_checked", False):  # once per load: descriptors as trained?
            self.drift_checked = True
            warn_drift(self.predictor)
        rows = read_rows(as_frame(model_input))
        out = self.predictor.predict_frame(rows.frame, details=True, **rows.packed)
        out.insert(0, "formula", rows.formulas)
        return out


def save_predictor_file(predictor: Any, directory: str | Path) -> Path:
    """Pickle a fitted predictor into ``directory/predictor.pkl`` and return the path."""
    path = Path(directory) / PREDICTOR_FILE
    with path.open("wb") as handle:
        pickle.dump(predictor, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read_predictor_file(path: str | Path) -> Any:
    with Path(path).open("rb") as handle:
        return pickle.load(handle)  # noqa: S301 - our own artifact, written by save_predictor_file


def model_signature(output_columns: tuple[str, ...]) -> ModelSignature:
    """Signature: ``formula`` (required), ``structure`` (optional CIF text) and ``temperature_c``
    (optional, degC, default 25: conductivity models) in; the reduced ``formula`` and predictions out.

    The common misspellings of ``temperature_c`` (:data:`~electroscreen.models.temperature.
    LOOKALIKE_TEMPERATURE_COLUMNS`: ``Temperature_C``, ``temperature``, ``T_C``, ``temp_c``, ...)
    are optional inputs too, never read as a temperature: MLflow drops a column the signature
    lacks before the model runs (a warning in the log, over REST the server's), so a row sent
    with ``T_C = 80`` came back at 25 degC without a word; now the model sees the column and
    the row's ``pred_feature_status`` says ``temperature:unread_column=T_C``.
    """
    inputs = Schema(
        [
            ColSpec("string", "formula"),
            ColSpec("string", "structure", required=False),
            # any type: MLflow would refuse a whole call over an integer column or one text
            # cell; predict_frame reads each row (a value that is not a temperature is that
            # row's bad_temperature)
            ColSpec(AnyType(), TEMPERATURE_COLUMN, required=False),
            *(ColSpec(AnyType(), c, required=False) for c in LOOKALIKE_TEMPERATURE_COLUMNS),
        ]
    )
    outputs = Schema(
        [ColSpec("string", "formula")]
        + [ColSpec("double", name) for name in output_columns]
        + [ColSpec("string", "pred_status"), ColSpec("string", "pred_feature_status")]
    )
    return ModelSignature(inputs=inputs, outputs=outputs)


def input_example() -> pd.DataFrame:
    """Two rows: a composition-only candidate and one with a CIF structure (rock-salt LiCl:
    :func:`~electroscreen.models.rock_salt_licl.rock_salt_licl_cif`)."""
    return pd.DataFrame(
        {"formula": ["Li7La3Zr2O12", "LiCl"], "structure": [None, rock_salt_licl_cif()]},
    )


def pip_requirements(torch: bool) -> list[str]:
    """Pinned requirements of the logged model (given explicitly: inference would take seconds)."""
    names = ["electroscreen", "mlflow", "numpy", "pandas", "scikit-learn", "pymatgen", "numba"]
    if torch:
        names.append("torch")
    pins = []
    for name in names:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pins.append(name)
    return pins


def logged_model_name(task: str) -> str:
    """The name of a task's logged model, what the experiment's Models tab lists:
    ``conductivity-model``, ``air-stability-model``.

    Both were named ``model`` before (the tab listed "model" twice). A logged model is loaded by
    its id (``models:/m-...``) or its registered version, whatever its name; ``runs:/<run
    id>/<name>`` takes the name: ``runs:/<id>/model`` for a run logged before, ``runs:/<id>/
    conductivity-model`` after.
    """
    return f"{task.replace('_', '-')}-model"


def log_predictor(
    predictor: Any,
    workdir: str | Path,
    *,
    output_columns: tuple[str, ...],
    registered_model_name: str | None = None,
    uses_torch: bool = False,
    name: str | None = None,
) -> mlflow.models.model.ModelInfo:
    """Log a fitted predictor as a pyfunc model of the active run (and register it).

    Parameters
    ----------
    predictor : CandidatePredictor
        Fitted.
    workdir : path
        Scratch folder for the pickled predictor.
    output_columns : tuple of str
        The task's prediction columns (besides ``pred_status``), for the signature.
    registered_model_name : str, optional
        Also register the model as a new version of this name.
    uses_torch : bool
        Add torch to the pip requirements.
    name : str, optional
        The logged model's name (default :func:`logged_model_name` of the predictor's ``task``).
    """
    path = save_predictor_file(predictor, workdir)
    code = Path(workdir) / "electroscreen_model.py"
    code.write_text(MODEL_CODE)
    return mlflow.pyfunc.log_model(
        name=name or logged_model_name(getattr(predictor, "task", "candidate")),
        python_model=str(code),
        artifacts={PREDICTOR_ARTIFACT: str(path)},
        signature=model_signature(output_columns),
        input_example=input_example(),
        pip_requirements=pip_requirements(uses_torch),
        registered_model_name=registered_model_name,
    )


def load_predictor(
    model_uri: str, tracking_uri: str | None = None, sha256: str | None = None
) -> CandidatePredictor:
    """The fitted ``CandidatePredictor`` inside a logged pyfunc model (unwrapped, for in-process use).

    The model's files are fetched through the store given here (MLflow's global tracking URI is
    neither read nor changed) and loaded from a temporary folder.

    Parameters
    ----------
    model_uri : str
        ``models:/<name>/<version>``, ``models:/<name>@<alias>``, ``models:/m-...``, ``runs:/...``
        or a local folder.
    tracking_uri : str, optional
        Store to resolve ``models:/`` and ``runs:/`` URIs against (default
        :func:`~electroscreen.experiments.tracking.resolve_tracking_uri`).
    sha256 : str, optional
        The digest the files must have (:func:`~electroscreen.experiments.model_registry.files_digest`,
        as a screening recorded them): checked on the downloaded copy before anything is
        unpickled from it (a model is pickled code); ``ValueError`` when they differ.
    """
    from electroscreen.experiments.model_registry import files_digest, model_location
    from electroscreen.experiments.tracking import resolve_tracking_uri, tracking_client

    uri = resolve_tracking_uri(tracking_uri)
    _, location = model_location(model_uri, tracking_client(uri))
    with tempfile.TemporaryDirectory(prefix="electroscreen-model-") as tmp:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=location, dst_path=tmp, tracking_uri=uri
        )
        if sha256 is not None and (found := files_digest(local)) != sha256:
            raise ValueError(
                f"the files of {model_uri} are not the ones recorded (sha256 {found[:12]}, "
                f"expected {sha256[:12]}): not loaded"
            )
        model = mlflow.pyfunc.load_model(local)
    python_model = model.unwrap_python_model()
    if not isinstance(python_model, CandidatePredictorModel):
        raise TypeError(
            f"{model_uri} is not an electroscreen model ({type(python_model).__name__})"
        )
    return python_model.predictor
