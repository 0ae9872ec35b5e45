"""A composition-attention network (Roost / CrabNet idea) with a censored (Tobit) likelihood.

Input: the atomic fractions of a composition (:class:`~electroscreen.featurizers.composition.
element_fractions.ElementFractions`, shape ``(n, 103)``). Each element present becomes a token

``h = W_p p(Z) + e(Z) + W_f [f, log f]``

with ``p(Z)`` the 22 standardised Magpie properties of the element (a fixed, physical embedding that
lets the network say something about elements it rarely saw), ``e(Z)`` a learned embedding and ``f``
its fraction. Tokens pass through ``n_layers`` of self-attention (``torch.nn.TransformerEncoder``,
padding masked), are pooled with the fractions as weights and read out by a small MLP: one
``log10 sigma`` per composition (Goodall & Lee 2020, Nat. Commun. 11:6280; Wang et al. 2021,
npj Comput. Mater. 7:77).

**Censored rows.** A conductivity reported as ``<1E-10`` is an upper bound ``b``. With
``tobit=True`` each member has a learned noise scale ``sigma`` and is trained on the Tobit negative
log-likelihood (Tobin 1958, Econometrica 26:24), in standardised target units:

* exact value ``y``: ``log sigma + (y - mu)^2 / (2 sigma^2)`` (the Gaussian NLL without its constant);
* upper bound ``b``: ``-log Phi((b - mu) / sigma)``, the probability that the value lies below ``b``.

So a bound only pushes the prediction down while it sits above the bound. With ``tobit=False`` every
row is a squared error (bounds as values). :func:`tobit_nll` is the loss.

The estimator is a deep ensemble (``n_members`` seeds); ``predict_dist`` gives the members' mean and
spread, which :class:`~electroscreen.models.uncertainty.ConformalRegressor` calibrates. It saves and
loads weights-only (:class:`~electroscreen.models.torch_base.TorchEnsembleMixin`).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import RegressorMixin
from torch import nn

from electroscreen.featurizers.elements import magpie_table
from electroscreen.models.rowwise import member_mean_std
from electroscreen.models.torch_base import TorchEnsembleMixin, resolve_device, seed_everything

__all__ = ["CompositionAttentionRegressor", "pack_fractions", "tobit_nll"]

#: Number of elements (columns of the fraction matrix).
N_ELEMENTS = 103
#: Rows per forward pass when predicting.
PREDICT_CHUNK = 4096


def tobit_nll(
    mu: torch.Tensor, log_sigma: torch.Tensor, y: torch.Tensor, censored: torch.Tensor
) -> torch.Tensor:
    """Per-row Tobit negative log-likelihood (constant ``log sqrt(2 pi)`` dropped for exact rows).

    Parameters
    ----------
    mu : Tensor, shape (n,)
        Predicted means.
    log_sigma : Tensor, scalar or shape (n,)
        Log of the noise scale.
    y : Tensor, shape (n,)
        Exact values, or the upper bound of censored rows.
    censored : Tensor of bool, shape (n,)
        Rows whose ``y`` is an upper bound.

    Returns
    -------
    Tensor, shape (n,)
    """
    sigma = torch.exp(log_sigma)
    z = (y - mu) / sigma
    exact = log_sigma + 0.5 * z**2
    bound = -torch.special.log_ndtr(z)
    return torch.where(censored, bound, exact)


def pack_fractions(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Element tokens of a fraction matrix.

    Parameters
    ----------
    X : ndarray, shape (n, 103)
        Atomic fractions (NaN or <= 0: element absent).

    Returns
    -------
    index : ndarray of int64, shape (n, L)
        Element index ``Z - 1`` of each token (0 for padding); ``L`` = most elements in a row (>= 1).
    fraction : ndarray of float64, shape (n, L)
        Fraction of each token (0 for padding).
    pad : ndarray of bool, shape (n, L)
        Padding positions. A row with no element keeps one unmasked dummy token (its prediction is
        meaningless; the predictor never sends such rows).
    """
    X = np.nan_to_num(np.asarray(X, dtype=np.float64), nan=0.0)
    if X.ndim != 2 or X.shape[1] != N_ELEMENTS:
        raise ValueError(f"expected an (n, {N_ELEMENTS}) fraction matrix, got {X.shape}")
    present = X > 0
    counts = present.sum(axis=1)
    width = max(int(counts.max(initial=0)), 1)
    rows, cols = np.nonzero(present)
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    index = np.zeros((len(X), width), dtype=np.int64)
    fraction = np.zeros((len(X), width))
    index[rows, slot], fraction[rows, slot] = cols, X[rows, cols]
    pad = np.arange(width)[None, :] >= counts[:, None]
    pad[counts == 0, 0] = False
    return index, fraction, pad


def _element_properties() -> torch.Tensor:
    """The 22 Magpie properties of Z = 1..103, standardised, missing as 0: shape (103, 22)."""
    table = np.asarray(magpie_table(), dtype=np.float64)[1 : N_ELEMENTS + 1]
    mean, std = np.nanmean(table, axis=0), np.nanstd(table, axis=0)
    z = (table - mean) / np.where(std > 0, std, 1.0)
    return torch.as_tensor(np.nan_to_num(z, nan=0.0), dtype=torch.float32)


class _AttentionNet(nn.Module):
    """Tokens -> self-attention -> fraction-weighted pooling -> MLP; plus a learned log sigma."""

    def __init__(self, d_model: int, n_heads: int, n_layers: int, dropout: float) -> None:
        super().__init__()
        props = _element_properties()
        self.register_buffer("properties", props)
        self.property_proj = nn.Linear(props.shape[1], d_model)
        self.embedding = nn.Embedding(N_ELEMENTS, d_model)
        nn.init.normal_(self.embedding.weight, std=0.1)
        self.fraction_proj = nn.Linear(2, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, n_heads, dim_feedforward=2 * d_model, dropout=dropout, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.head = nn.Sequential(
            nn.Linear(d_model, d_model), nn.SiLU(), nn.Dropout(dropout), nn.Linear(d_model, 1)
        )
        self.log_sigma = nn.Parameter(torch.zeros(()))

    def forward(self, index: torch.Tensor, fraction: torch.Tensor, pad: torch.Tensor):
        f = fraction.unsqueeze(-1)
        amounts = torch.cat([f, torch.log(f.clamp_min(1e-4))], dim=-1)
        h = self.property_proj(self.properties[index]) + self.embedding(index)
        h = self.encoder(h + self.fraction_proj(amounts), src_key_padding_mask=pad)
        weight = fraction.masked_fill(pad, 0.0).unsqueeze(-1)
        pooled = (h * weight).sum(dim=1) / weight.sum(dim=1).clamp_min(1e-8)
        return self.head(pooled).squeeze(-1)


class CompositionAttentionRegressor(RegressorMixin, TorchEnsembleMixin):
    """Deep ensemble of composition-attention networks (module docstring).

    Parameters
    ----------
    d_model, n_heads, n_layers : int
        Token width, attention heads, attention layers.
    dropout : float
    n_members : int
        Ensemble members (seeds ``1000 * random_state + m``).
    epochs, batch_size : int
    lr, weight_decay : float
        AdamW, cosine schedule.
    tobit : bool
        Censored rows (``fit(..., censored=mask)``) by the Tobit likelihood; else all rows by squared
        error at their value.
    device : str
        ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``.
    random_state : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((40, 103)); X[:, 2] = np.linspace(0.1, 0.9, 40); X[:, 7] = 1 - X[:, 2]
    >>> model = CompositionAttentionRegressor(n_members=2, epochs=5, device="cpu").fit(X, X[:, 2])
    >>> mu, sd = model.predict_dist(X[:3]); mu.shape, sd.shape
    ((3,), (3,))
    """

    _fitted_scalars = ("y_center_", "y_scale_")

    def __init__(
        self,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 2,
        dropout: float = 0.1,
        n_members: int = 3,
        epochs: int = 150,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        tobit: bool = True,
        device: str = "auto",
        random_state: int = 0,
    ) -> None:
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dropout = dropout
        self.n_members = n_members
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.tobit = tobit
        self.device = device
        self.random_state = random_state

    def _build_member(self) -> nn.Module:
        return _AttentionNet(self.d_model, self.n_heads, self.n_layers, self.dropout)

    def _tensors(self, X: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        index, fraction, pad = pack_fractions(X)
        return (
            torch.as_tensor(index, device=self.device_),
            torch.as_tensor(fraction, dtype=torch.float32, device=self.device_),
            torch.as_tensor(pad, device=self.device_),
        )

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        censored: np.ndarray | None = None,
    ) -> CompositionAttentionRegressor:
        """Fit on fractions ``X`` (n, 103) and ``y`` (n,); ``censored`` marks upper bounds."""
        self._validate_params()  # epochs, n_members, batch_size >= 1
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} rows, y has {len(y)}")
        self.n_features_in_ = N_ELEMENTS
        self.device_ = resolve_device(self.device)
        cens = np.zeros(len(y), bool) if censored is None else np.asarray(censored, dtype=bool)
        exact = y[~cens] if (~cens).any() else y
        self.y_center_, self.y_scale_ = float(exact.mean()), float(exact.std() or 1.0)
        tokens = self._tensors(X)
        yt = torch.as_tensor((y - self.y_center_) / self.y_scale_, dtype=torch.float32)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        data = (
            yt.to(self.device_),
            torch.as_tensor(cens & bool(self.tobit), device=self.device_),
            torch.as_tensor(w / w.mean(), dtype=torch.float32, device=self.device_),
        )
        self.members_ = [
            self._train_member(tokens, data, int(self.random_state) * 1000 + m)
            for m in range(self.n_members)
        ]
        return self

    def _train_member(self, tokens, data, seed: int) -> nn.Module:
        generator = seed_everything(seed)
        member = self._build_member().to(self.device_)
        optimizer = torch.optim.AdamW(
            member.parameters(), lr=self.lr, weight_decay=self.weight_decay
        )
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(self.epochs, 1))
        (index, fraction, pad), (yt, cens, wt) = tokens, data
        member.train()
        for _ in range(self.epochs):
            order = torch.randperm(len(yt), generator=generator).to(self.device_)
            for start in range(0, len(yt), self.batch_size):
                i = order[start : start + self.batch_size]
                optimizer.zero_grad()
                mu = member(index[i], fraction[i], pad[i])
                if self.tobit:
                    loss = tobit_nll(mu, member.log_sigma, yt[i], cens[i])
                else:
                    loss = (mu - yt[i]) ** 2
                (loss * wt[i]).mean().backward()
                optimizer.step()
            schedule.step()
        return member.eval()

    @torch.no_grad()
    def _member_outputs(self, X: np.ndarray) -> np.ndarray:
        """Per-member predictions (log10 sigma), shape (n_members, n)."""
        X = np.asarray(X, dtype=np.float64)
        out = np.empty((len(self.members_), len(X)))
        for start in range(0, len(X), PREDICT_CHUNK):
            tokens = self._tensors(X[start : start + PREDICT_CHUNK])
            for m, member in enumerate(self.members_):
                out[m, start : start + PREDICT_CHUNK] = member(*tokens).cpu().numpy()
        return out * self.y_scale_ + self.y_center_

    def predict_dist(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and spread over members, shape (n,) each."""
        return member_mean_std(self._member_outputs(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Mean over the members, shape (n,)."""
        return self.predict_dist(X)[0]
