"""A deep ensemble of multilayer perceptrons over descriptor matrices (torch).

Each member is an MLP trained from its own random initialisation (and data order) on the same data,
as in Lakshminarayanan et al. 2017 ("Simple and scalable predictive uncertainty estimation using
deep ensembles", NeurIPS); the members' spread is the uncertainty, which
:class:`~electroscreen.models.uncertainty.ConformalRegressor` then calibrates. Inputs are imputed
(training median) and standardised; regression targets are standardised too.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from torch import nn

from electroscreen.models.rowwise import member_mean_std
from electroscreen.models.sklearn_models import MedianImputer
from electroscreen.models.torch_base import TorchEnsembleMixin, resolve_device, seed_everything

__all__ = ["MLPEnsembleClassifier", "MLPEnsembleRegressor", "make_mlp"]


def make_mlp(n_in: int, hidden: tuple[int, ...], dropout: float, n_out: int = 1) -> nn.Sequential:
    """``Linear -> SiLU -> Dropout`` blocks, then a linear head."""
    layers: list[nn.Module] = []
    width = n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.SiLU(), nn.Dropout(dropout)]
        width = h
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


class _MLPEnsemble(TorchEnsembleMixin):
    _fitted_arrays = ("x_center_", "x_scale_", "impute_median_")
    _fitted_scalars = ("y_center_", "y_scale_")
    _classifier = False

    def __init__(
        self,
        hidden: tuple[int, ...] | list[int] = (256, 128),
        n_members: int = 5,
        epochs: int = 300,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        dropout: float = 0.1,
        device: str = "auto",
        random_state: int = 0,
    ) -> None:
        self.hidden = hidden
        self.n_members = n_members
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.device = device
        self.random_state = random_state

    def _build_member(self) -> nn.Module:
        return make_mlp(len(self.x_center_), tuple(self.hidden), self.dropout)

    def _prepare(self, X: np.ndarray) -> torch.Tensor:
        X = self._imputer().transform(X)
        X = np.clip((X - self.x_center_) / self.x_scale_, -10.0, 10.0)
        return torch.as_tensor(X, dtype=torch.float32, device=self.device_)

    def _imputer(self) -> MedianImputer:
        imputer = MedianImputer()
        imputer.median_ = self.impute_median_
        return imputer

    def _fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None):
        self._validate_params()  # epochs, n_members, batch_size >= 1
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"X must be 2-D with len(y) rows, got {X.shape} and {len(y)}")
        self.n_features_in_ = X.shape[1]
        self.device_ = resolve_device(self.device)
        self.impute_median_ = MedianImputer().fit(X).median_
        Xi = self._imputer().transform(X)
        self.x_center_ = Xi.mean(axis=0)
        scale = Xi.std(axis=0)
        self.x_scale_ = np.where(scale > 1e-12, scale, 1.0)
        if self._classifier:
            self.y_center_, self.y_scale_ = 0.0, 1.0
        else:
            self.y_center_, self.y_scale_ = float(y.mean()), float(y.std() or 1.0)
        xt = self._prepare(X)
        yt = torch.as_tensor((y - self.y_center_) / self.y_scale_, dtype=torch.float32)
        yt = yt.to(self.device_)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        wt = torch.as_tensor(w / w.mean(), dtype=torch.float32, device=self.device_)
        self.members_ = [
            self._train_member(xt, yt, wt, int(self.random_state) * 1000 + m)
            for m in range(self.n_members)
        ]
        return self

    def _loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self._classifier:
            return nn.functional.binary_cross_entropy_with_logits(out, target, reduction="none")
        return nn.functional.mse_loss(out, target, reduction="none")

    def _train_member(self, xt, yt, wt, seed: int) -> nn.Module:
        generator = seed_everything(seed)
        member = self._build_member().to(self.device_)
        optimizer = torch.optim.AdamW(
            member.parameters(), lr=self.lr, weight_decay=self.weight_decay
        )
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(self.epochs, 1))
        n = len(yt)
        member.train()
        for _ in range(self.epochs):
            order = torch.randperm(n, generator=generator).to(self.device_)
            for start in range(0, n, self.batch_size):
                idx = order[start : start + self.batch_size]
                optimizer.zero_grad()
                loss = (self._loss(member(xt[idx]).squeeze(-1), yt[idx]) * wt[idx]).mean()
                loss.backward()
                optimizer.step()
            schedule.step()
        return member.eval()

    @torch.no_grad()
    def _member_outputs(self, X: np.ndarray) -> np.ndarray:
        xt = self._prepare(np.asarray(X, dtype=np.float64))
        outs = [m(xt).squeeze(-1).cpu().numpy().astype(np.float64) for m in self.members_]
        return np.stack(outs)


class MLPEnsembleRegressor(RegressorMixin, _MLPEnsemble):
    """Deep ensemble of MLPs for regression with ``predict_dist`` (mean, member spread).

    Parameters
    ----------
    hidden : tuple of int
        Hidden layer widths.
    n_members : int
    epochs, batch_size : int
    lr, weight_decay, dropout : float
    device : str
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    random_state : int
        Seeds member ``m`` with ``1000 * random_state + m``; deterministic on CPU.
    """

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> MLPEnsembleRegressor:
        """Fit the member networks on ``X`` (n, d) and ``y`` (n,); returns self."""
        return self._fit(X, y, sample_weight)

    def predict_dist(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and spread over the members in the units of ``y``, shape (n,) each."""
        return member_mean_std(self._member_outputs(X) * self.y_scale_ + self.y_center_)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Mean over the members, shape (n,)."""
        return self.predict_dist(X)[0]


class MLPEnsembleClassifier(ClassifierMixin, _MLPEnsemble):
    """Deep ensemble of MLPs for a 0/1 label with ``predict_proba_dist`` (mean p, spread)."""

    _classifier = True

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> MLPEnsembleClassifier:
        """Fit the member networks on ``X`` (n, d) and 0/1 labels ``y`` (n,) (ValueError otherwise);
        returns self."""
        y = np.asarray(y, dtype=np.float64)
        if not np.isin(y, (0, 1)).all():
            raise ValueError("labels must be 0 or 1")
        self.classes_ = np.array([0, 1])
        return self._fit(X, y, sample_weight)

    def predict_proba_dist(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and spread over the members of the probability of class 1, shape (n,) each."""
        return member_mean_std(1.0 / (1.0 + np.exp(-self._member_outputs(X))))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of classes 0 and 1, shape (n, 2)."""
        p = self.predict_proba_dist(X)[0]
        return np.column_stack([1.0 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Label 1 where the probability of class 1 is at least 0.5, else 0; shape (n,)."""
        return (self.predict_proba_dist(X)[0] >= 0.5).astype(np.int64)
