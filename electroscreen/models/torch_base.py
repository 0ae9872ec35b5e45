"""What the torch estimators share: device choice, seeding, and checkpoints that load weights-only.

A checkpoint is a plain dict of tensors, numbers and strings (the estimator's parameters as JSON, its
preprocessing arrays and one ``state_dict`` per ensemble member), so it loads with
``torch.load(..., weights_only=True)`` - no pickled code. Pickling an estimator (joblib, MLflow)
goes through the same checkpoint bytes.
"""

from __future__ import annotations

import io
import json
from numbers import Integral
from pathlib import Path
from typing import Self

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

__all__ = ["TorchEnsembleMixin", "resolve_device", "seed_everything"]

#: scikit-learn's constraint of a count: an integer >= 1.
_COUNT = [Interval(Integral, 1, None, closed="left")]


def resolve_device(device: str = "auto") -> torch.device:
    """``"auto"``: CUDA when available, else CPU; anything else is passed to :class:`torch.device`."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch's global RNG (weight init) and return a CPU generator for data order."""
    torch.manual_seed(seed)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


class TorchEnsembleMixin(BaseEstimator):
    """Checkpointing for estimators holding ``members_`` (a list of ``torch.nn.Module``).

    Subclasses implement ``_build_member() -> nn.Module`` (from parameters and fitted preprocessing)
    and list their fitted NumPy arrays in ``_fitted_arrays``.
    """

    _fitted_arrays: tuple[str, ...] = ()
    _fitted_scalars: tuple[str, ...] = ()
    #: The counts every torch estimator takes, checked by scikit-learn's ``_validate_params`` at
    #: fit and when a config loads (``epochs=0`` would register an untrained network).
    _parameter_constraints: dict = {"n_members": _COUNT, "epochs": _COUNT, "batch_size": _COUNT}

    def _build_member(self) -> torch.nn.Module:
        raise NotImplementedError

    def to(self, device: str) -> TorchEnsembleMixin:
        """Move the fitted members to ``device`` (``"auto"``, ``"cpu"``, ``"cuda"``); returns self."""
        self.device = device
        self.device_ = resolve_device(device)
        if hasattr(self, "members_"):
            self.members_ = [m.to(self.device_) for m in self.members_]
        return self

    # --- checkpoints ---------------------------------------------------------------------------
    def checkpoint(self) -> dict:
        """The fitted model as a weights-only-loadable dict."""
        if not hasattr(self, "members_"):
            raise ValueError("the estimator is not fitted")
        return {
            "format": "electroscreen-torch-ensemble/1",
            "class": type(self).__name__,
            "params": json.dumps(self.get_params(deep=False)),
            "arrays": {
                k: torch.from_numpy(np.asarray(getattr(self, k))) for k in self._fitted_arrays
            },
            "scalars": {k: float(getattr(self, k)) for k in self._fitted_scalars},
            "members": [
                {k: v.detach().cpu() for k, v in m.state_dict().items()} for m in self.members_
            ],
        }

    def save_checkpoint(self, path: str | Path) -> Path:
        """Write :meth:`checkpoint` with ``torch.save``."""
        path = Path(path)
        torch.save(self.checkpoint(), path)
        return path

    @classmethod
    def from_checkpoint(cls, source: str | Path | dict | bytes, device: str | None = None) -> Self:
        """Rebuild a fitted estimator from a checkpoint (path, bytes or dict), weights only.

        Parameters
        ----------
        source : path, bytes or dict
        device : str, optional
            Overrides the saved ``device`` parameter (e.g. load a GPU-trained model on CPU).
        """
        if isinstance(source, dict):
            state = source
        else:
            handle = io.BytesIO(source) if isinstance(source, bytes) else source
            state = torch.load(handle, map_location="cpu", weights_only=True)
        if state.get("class") != cls.__name__:
            raise ValueError(f"checkpoint of {state.get('class')}, not {cls.__name__}")
        params = json.loads(state["params"])
        if device is not None:
            params["device"] = device
        model = cls(**params)
        model._restore(state)
        return model

    def _restore(self, state: dict) -> None:
        for k, v in state["arrays"].items():
            setattr(self, k, v.numpy())
        for k, v in state["scalars"].items():
            setattr(self, k, v)
        self.device_ = resolve_device(self.device)
        members = []
        for member_state in state["members"]:
            member = self._build_member()
            member.load_state_dict(member_state)
            members.append(member.to(self.device_).eval())
        self.members_ = members
        if hasattr(self, "_classifier") and self._classifier:
            self.classes_ = np.array([0, 1])

    # --- pickling goes through the weights-only checkpoint -----------------------------------
    def __getstate__(self) -> dict:
        if not hasattr(self, "members_"):
            return self.__dict__.copy()
        buffer = io.BytesIO()
        torch.save(self.checkpoint(), buffer)
        return {"__checkpoint__": buffer.getvalue()}

    def __setstate__(self, state: dict) -> None:
        if "__checkpoint__" not in state:
            self.__dict__.update(state)
            return
        loaded = torch.load(
            io.BytesIO(state["__checkpoint__"]), map_location="cpu", weights_only=True
        )
        self.__dict__.update(json.loads(loaded["params"]))
        if not torch.cuda.is_available() and str(self.__dict__.get("device")).startswith("cuda"):
            self.device = "cpu"
        self._restore(loaded)
