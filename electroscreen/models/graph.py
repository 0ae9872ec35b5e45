"""A small crystal graph network over the Numba neighbour list, occupancy-aware (torch).

Graph of a (possibly disordered) structure: one node per *site*, its features the occupancy-weighted
mean of standardised Magpie element properties of the site's occupants, plus its total occupancy and
Li occupancy; one edge per neighbour pair within ``cutoff`` (the ``max_neighbors`` nearest per site),
its features a Gaussian expansion of the distance and its weight the product of the two sites' total
occupancies (:func:`electroscreen.featurizers.structure.neighbors.neighbor_list`). Partially occupied sites are
never rounded: a site that is 30 % Li is a node with 30 % weight, so garnets, NASICONs and argyrodites
are graphs like any other.

Message passing is CGCNN's gated convolution (Xie & Grossman 2018, Phys. Rev. Lett. 120, 145301)
with occupancy-weighted, degree-normalised sums; the readout is the occupancy-weighted mean of the
node states, concatenated with two global descriptors (log volume per atom, Li atomic fraction), then
an MLP. Several members from different seeds form an ensemble whose spread is the uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.base import RegressorMixin
from torch import nn

from electroscreen.data.packed import PackedStructures, pack_structures
from electroscreen.featurizers.elements import magpie_table
from electroscreen.featurizers.structure.neighbors import neighbor_list
from electroscreen.models.rowwise import member_mean_std
from electroscreen.models.torch_base import TorchEnsembleMixin, resolve_device, seed_everything
from electroscreen.models.torch_mlp import make_mlp

__all__ = ["CrystalGraphs", "GraphRegressor", "build_graphs"]

LI_Z = 3


def _element_features() -> np.ndarray:
    """(104, 22) standardised Magpie properties (missing values at the mean, i.e. 0)."""
    table = np.array(magpie_table(impute_nan=True), dtype=np.float64)
    body = table[1:]
    center, scale = body.mean(axis=0), body.std(axis=0)
    out = (table - center) / np.where(scale > 0, scale, 1.0)
    out[0] = 0.0
    return np.nan_to_num(out)


@dataclass
class CrystalGraphs:
    """A batch of crystal graphs as flat arrays (one graph per structure).

    Attributes
    ----------
    node_x : (M, F) float32
    node_weight : (M,) float32
        Total occupancy of each site.
    node_offsets : (N + 1,) int64
    edge_src, edge_dst : (E,) int64
        Global node indices; messages flow from ``edge_src`` to ``edge_dst``.
    edge_distance, edge_weight : (E,) float32
    edge_offsets : (N + 1,) int64
    global_x : (N, G) float32
    """

    node_x: np.ndarray
    node_weight: np.ndarray
    node_offsets: np.ndarray
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_distance: np.ndarray
    edge_weight: np.ndarray
    edge_offsets: np.ndarray
    global_x: np.ndarray

    def __len__(self) -> int:
        return len(self.node_offsets) - 1

    def batch(self, graphs: np.ndarray, device: torch.device) -> dict[str, torch.Tensor]:
        """Tensors of the graphs at positions ``graphs`` (node indices renumbered)."""
        graphs = np.asarray(graphs, dtype=np.int64)
        n_nodes = np.diff(self.node_offsets)[graphs]
        n_edges = np.diff(self.edge_offsets)[graphs]
        nodes = _ranges(self.node_offsets[graphs], n_nodes)
        edges = _ranges(self.edge_offsets[graphs], n_edges)
        new_start = np.concatenate([[0], np.cumsum(n_nodes)[:-1]])
        shift = np.repeat(new_start - self.node_offsets[graphs], n_edges)
        as_tensor = lambda a, dt: torch.as_tensor(a, dtype=dt, device=device)  # noqa: E731
        return {
            "node_x": as_tensor(self.node_x[nodes], torch.float32),
            "node_weight": as_tensor(self.node_weight[nodes], torch.float32),
            "node_graph": as_tensor(np.repeat(np.arange(len(graphs)), n_nodes), torch.int64),
            "src": as_tensor(self.edge_src[edges] + shift, torch.int64),
            "dst": as_tensor(self.edge_dst[edges] + shift, torch.int64),
            "distance": as_tensor(self.edge_distance[edges], torch.float32),
            "edge_weight": as_tensor(self.edge_weight[edges], torch.float32),
            "global_x": as_tensor(self.global_x[graphs], torch.float32),
            "n_graphs": len(graphs),
        }


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    if counts.sum() == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    return np.repeat(starts - (ends - counts), counts) + np.arange(ends[-1])


def build_graphs(
    packed: PackedStructures, cutoff: float = 5.0, max_neighbors: int = 12
) -> CrystalGraphs:
    """Crystal graphs of a packed batch (see the module docstring)."""
    elements = _element_features()
    occ_counts = np.diff(packed.occ_offsets)
    site_of_occ = np.repeat(np.arange(len(occ_counts)), occ_counts)
    n_sites = len(occ_counts)
    total = np.bincount(site_of_occ, weights=packed.occ_fraction, minlength=n_sites)
    weighted = np.zeros((n_sites, elements.shape[1]))
    np.add.at(weighted, site_of_occ, packed.occ_fraction[:, None] * elements[packed.occ_species])
    li = np.bincount(
        site_of_occ, weights=packed.occ_fraction * (packed.occ_species == LI_Z), minlength=n_sites
    )
    node_x = np.column_stack([weighted / np.maximum(total, 1e-12)[:, None], total, li])

    nl = neighbor_list(packed, cutoff)
    order = np.lexsort((nl.distance, nl.center))  # by centre, nearest first
    center = nl.center[order]
    first = np.searchsorted(center, center, side="left")
    keep = order[(np.arange(len(order)) - first) < max_neighbors]
    keep.sort()  # back to structure-major order
    struct_of_site = np.repeat(np.arange(len(packed)), packed.n_sites)
    edge_struct = struct_of_site[nl.center[keep]]
    edge_offsets = np.concatenate([[0], np.cumsum(np.bincount(edge_struct, minlength=len(packed)))])

    atoms = np.bincount(struct_of_site, weights=total, minlength=len(packed))
    li_atoms = np.bincount(struct_of_site, weights=li, minlength=len(packed))
    with np.errstate(divide="ignore", invalid="ignore"):
        global_x = np.column_stack(
            [
                np.log(packed.volume() / np.maximum(atoms, 1e-12)),
                li_atoms / np.maximum(atoms, 1e-12),
            ]
        )
    return CrystalGraphs(
        node_x=node_x.astype(np.float32),
        node_weight=total.astype(np.float32),
        node_offsets=np.asarray(packed.site_offsets, dtype=np.int64),
        edge_src=nl.neighbor[keep].astype(np.int64),
        edge_dst=nl.center[keep].astype(np.int64),
        edge_distance=nl.distance[keep].astype(np.float32),
        edge_weight=nl.weight[keep].astype(np.float32),
        edge_offsets=edge_offsets.astype(np.int64),
        global_x=np.nan_to_num(global_x).astype(np.float32),
    )


class GatedConv(nn.Module):
    """CGCNN convolution: ``h_i += sum_j w_ij sigma(W_f z_ij) * softplus(W_s z_ij) / (1 + sum_j w_ij)``.

    ``z_ij = [h_i, h_j, rbf(d_ij)]``; the linear map of the concatenation is computed as the sum of
    per-node projections gathered onto the edges (same function, far fewer operations per edge).
    """

    def __init__(self, hidden: int, n_rbf: int) -> None:
        super().__init__()
        self.center = nn.Linear(hidden, 2 * hidden)
        self.neighbor = nn.Linear(hidden, 2 * hidden, bias=False)
        self.edge = nn.Linear(n_rbf, 2 * hidden, bias=False)
        self.norm = nn.LayerNorm(hidden)

    def forward(
        self,
        h: torch.Tensor,
        src: torch.Tensor,
        dst: torch.Tensor,
        rbf: torch.Tensor,
        edge_weight: torch.Tensor,
    ) -> torch.Tensor:
        """Node features ``h`` (n_nodes, hidden) after one gated convolution: messages along the
        edges ``src -> dst`` from ``rbf`` (n_edges, n_rbf) and ``edge_weight`` (n_edges,),
        divided by 1 + weighted degree, added to ``h`` and layer-normalised."""
        z = self.center(h)[dst] + self.neighbor(h)[src] + self.edge(rbf)
        filt, core = z.chunk(2, dim=-1)
        message = torch.sigmoid(filt) * nn.functional.softplus(core) * edge_weight[:, None]
        agg = torch.zeros_like(h).index_add_(0, dst, message)
        degree = torch.zeros(len(h), device=h.device).index_add_(0, dst, edge_weight)
        return self.norm(h + agg / (1.0 + degree[:, None]))


class CrystalGraphNet(nn.Module):
    """Embedding -> gated convolutions -> occupancy-weighted mean -> MLP."""

    def __init__(
        self, n_node: int, n_global: int, hidden: int, n_layers: int, n_rbf: int, cutoff: float
    ):
        super().__init__()
        self.embed = nn.Linear(n_node, hidden)
        self.convs = nn.ModuleList(GatedConv(hidden, n_rbf) for _ in range(n_layers))
        self.register_buffer("centers", torch.linspace(0.0, cutoff, n_rbf))
        self.width = cutoff / n_rbf
        self.head = make_mlp(hidden + n_global, (hidden,), 0.0)

    def forward(self, b: dict) -> torch.Tensor:
        """One output per graph, shape (n_graphs,), from the batch tensors ``b`` (nodes, edges, node
        weights and global features)."""
        h = self.embed(b["node_x"])
        rbf = torch.exp(-(((b["distance"][:, None] - self.centers) / self.width) ** 2))
        for conv in self.convs:
            h = conv(h, b["src"], b["dst"], rbf, b["edge_weight"])
        w = b["node_weight"][:, None]
        pooled = torch.zeros(b["n_graphs"], h.shape[1], device=h.device)
        pooled = pooled.index_add_(0, b["node_graph"], h * w)
        mass = torch.zeros(b["n_graphs"], device=h.device).index_add_(0, b["node_graph"], w[:, 0])
        pooled = pooled / mass.clamp_min(1e-6)[:, None]
        return self.head(torch.cat([pooled, b["global_x"]], dim=-1)).squeeze(-1)


class GraphRegressor(RegressorMixin, TorchEnsembleMixin):
    """Ensemble of crystal graph networks on packed structures, with ``predict_dist``.

    Parameters
    ----------
    cutoff : float
        Neighbour radius in Angstrom.
    max_neighbors : int
        Nearest neighbours kept per site.
    hidden, n_layers, n_rbf : int
    n_members, epochs, batch_size : int
    lr, weight_decay : float
    device : str
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    random_state : int

    Notes
    -----
    ``X`` is a :class:`~electroscreen.data.PackedStructures` (or a list of pymatgen Structures).
    """

    _fitted_arrays = ("global_center_", "global_scale_")
    _fitted_scalars = ("y_center_", "y_scale_", "n_node_features_")

    def __init__(
        self,
        cutoff: float = 5.0,
        max_neighbors: int = 12,
        hidden: int = 64,
        n_layers: int = 3,
        n_rbf: int = 16,
        n_members: int = 3,
        epochs: int = 150,
        batch_size: int = 16,
        lr: float = 2e-3,
        weight_decay: float = 1e-4,
        device: str = "auto",
        random_state: int = 0,
    ) -> None:
        self.cutoff = cutoff
        self.max_neighbors = max_neighbors
        self.hidden = hidden
        self.n_layers = n_layers
        self.n_rbf = n_rbf
        self.n_members = n_members
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.device = device
        self.random_state = random_state

    def _build_member(self) -> nn.Module:
        return CrystalGraphNet(
            int(self.n_node_features_), 2, self.hidden, self.n_layers, self.n_rbf, self.cutoff
        )

    def _graphs(self, X: object) -> CrystalGraphs:
        packed = X if isinstance(X, PackedStructures) else pack_structures(list(X))
        graphs = build_graphs(packed, self.cutoff, self.max_neighbors)
        if hasattr(self, "global_center_"):
            graphs.global_x = ((graphs.global_x - self.global_center_) / self.global_scale_).astype(
                np.float32
            )
        return graphs

    def fit(
        self, X: object, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> GraphRegressor:
        """Fit the member networks on the structures ``X`` and targets ``y`` of shape (n,) (global
        features and targets standardised); returns self."""
        self._validate_params()  # epochs, n_members, batch_size >= 1
        for attr in ("global_center_", "global_scale_"):
            self.__dict__.pop(attr, None)
        y = np.asarray(y, dtype=np.float64)
        graphs = self._graphs(X)
        if len(graphs) != len(y):
            raise ValueError(f"{len(graphs)} structures for {len(y)} targets")
        self.global_center_ = graphs.global_x.mean(axis=0).astype(np.float64)
        scale = graphs.global_x.std(axis=0).astype(np.float64)
        self.global_scale_ = np.where(scale > 1e-12, scale, 1.0)
        graphs.global_x = ((graphs.global_x - self.global_center_) / self.global_scale_).astype(
            np.float32
        )
        self.n_node_features_ = graphs.node_x.shape[1]
        self.y_center_, self.y_scale_ = float(y.mean()), float(y.std() or 1.0)
        self.device_ = resolve_device(self.device)
        yt = torch.as_tensor((y - self.y_center_) / self.y_scale_, dtype=torch.float32)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        wt = torch.as_tensor(w / w.mean(), dtype=torch.float32)
        self.members_ = [
            self._train_member(graphs, yt, wt, int(self.random_state) * 1000 + m)
            for m in range(self.n_members)
        ]
        return self

    def _train_member(self, graphs: CrystalGraphs, yt, wt, seed: int) -> nn.Module:
        generator = seed_everything(seed)
        member = self._build_member().to(self.device_)
        optimizer = torch.optim.AdamW(
            member.parameters(), lr=self.lr, weight_decay=self.weight_decay
        )
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(self.epochs, 1))
        member.train()
        for _ in range(self.epochs):
            order = torch.randperm(len(yt), generator=generator).numpy()
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch = graphs.batch(idx, self.device_)
                optimizer.zero_grad()
                err = member(batch) - yt[idx].to(self.device_)
                loss = (err**2 * wt[idx].to(self.device_)).mean()
                loss.backward()
                optimizer.step()
            schedule.step()
        return member.eval()

    @torch.no_grad()
    def predict_dist(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        """Mean and member spread of log10 sigma for each structure."""
        graphs = self._graphs(X)
        outs = []
        for member in self.members_:
            pred = []
            for start in range(0, len(graphs), 64):
                idx = np.arange(start, min(start + 64, len(graphs)))
                pred.append(member(graphs.batch(idx, self.device_)).cpu().numpy())
            outs.append(np.concatenate(pred) if pred else np.zeros(0))
        return member_mean_std(np.stack(outs).astype(np.float64) * self.y_scale_ + self.y_center_)

    def predict(self, X: object) -> np.ndarray:
        """Mean over the members, shape (n,)."""
        return self.predict_dist(X)[0]
