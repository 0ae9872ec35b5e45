"""Torch estimators: device choice, moving, weights-only checkpoints, pickling, the graph network."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from electroscreen.data import pack_structures
from electroscreen.data.composition_match import formula_mismatch
from electroscreen.featurizers.structure.neighbors import neighbor_list
from electroscreen.models.graph import GraphRegressor, build_graphs
from electroscreen.models.predictor import CandidatePredictor, parse_structures
from electroscreen.models.tasks import CONDUCTIVITY
from electroscreen.models.torch_base import resolve_device
from electroscreen.models.torch_mlp import MLPEnsembleClassifier, MLPEnsembleRegressor

from .conftest import FAST_PARAMS


def _synthetic(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[rng.random(X.shape) < 0.05] = np.nan  # undefined descriptors are imputed
    return X, np.nan_to_num(X[:, 0]) - 0.5 * np.nan_to_num(X[:, 1]) + 0.1 * rng.normal(size=n)


def test_auto_device_is_cuda_only_when_present():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"


def test_mlp_checkpoint_loads_weights_only_with_identical_predictions(tmp_path):
    X, y = _synthetic()
    model = MLPEnsembleRegressor(hidden=(16,), n_members=2, epochs=5, device="auto").fit(X, y)
    assert model.device_.type == resolve_device("auto").type
    model.to("cpu")
    assert model.device_.type == "cpu"
    assert all(p.device.type == "cpu" for m in model.members_ for p in m.parameters())
    path = model.save_checkpoint(tmp_path / "mlp.pt")
    state = torch.load(path, weights_only=True)  # plain tensors, numbers and strings
    assert state["class"] == "MLPEnsembleRegressor" and len(state["members"]) == 2
    loaded = MLPEnsembleRegressor.from_checkpoint(path, device="cpu")
    for a, b in zip(model.predict_dist(X), loaded.predict_dist(X), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="checkpoint of MLPEnsembleRegressor"):
        MLPEnsembleClassifier.from_checkpoint(path)


def test_mlp_classifier_pickles_and_is_deterministic():
    X, y = _synthetic()
    labels = (y > 0).astype(int)
    params = dict(hidden=(16,), n_members=2, epochs=5, device="cpu", random_state=4)
    model = MLPEnsembleClassifier(**params).fit(X, labels)
    again = MLPEnsembleClassifier(**params).fit(X, labels)
    p, s = model.predict_proba_dist(X)
    np.testing.assert_array_equal(p, again.predict_proba_dist(X)[0])
    assert ((p >= 0) & (p <= 1)).all() and (s >= 0).all()
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match="0 or 1"):
        MLPEnsembleClassifier(**params).fit(X, y)


def test_pickled_mlp_predictor_round_trip(conductivity_table, composition_design):
    rows = np.flatnonzero(conductivity_table["split"].to_numpy() == "train")[:200]
    model = CandidatePredictor(
        estimator="mlp", estimator_params=FAST_PARAMS["mlp"], device="auto"
    ).fit_design(composition_design.take(rows), conductivity_table.iloc[rows])
    frame = conductivity_table.tail(15)
    before = model.to("cpu").predict_frame(frame)
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(restored.predict_frame(frame), before)
    assert restored.estimator_.estimator_.device_.type == "cpu"


def test_mlp_with_pooled_groupings_cross_fits(conductivity_table, composition_design):
    """Several calibration groupings need cross-fits: ``auto`` picks them for torch models too."""
    rows = np.flatnonzero(conductivity_table["split"].to_numpy() == "train")[:200]
    model = CandidatePredictor(
        estimator="mlp",
        estimator_params=FAST_PARAMS["mlp"],
        device="cpu",
        conformal_groups=["chemsys", "family"],
        conformal_novelty_bins=2,
    ).fit_design(composition_design.take(rows), conductivity_table.iloc[rows])
    conformal = model.estimator_
    assert (
        conformal.n_calibration_ == 2 * conductivity_table.iloc[rows]["log10_sigma"].notna().sum()
    )
    out = model.predict_frame(conductivity_table.tail(15))
    assert (out["pred_log10_sigma_lo"] < out["pred_log10_sigma_hi"]).all()


@pytest.fixture(scope="module")
def packed_cifs(cif_table):
    structures, status = parse_structures(cif_table["structure"].tolist())
    assert (status == "ok").all()
    return pack_structures(structures)


def test_graph_inputs_come_from_the_numba_neighbour_list(packed_cifs):
    cutoff = 4.0
    graphs = build_graphs(packed_cifs, cutoff=cutoff, max_neighbors=10_000)
    nl = neighbor_list(packed_cifs, cutoff)
    # with no neighbour cap the edges are exactly the neighbour list's pairs
    assert len(graphs.edge_src) == len(nl) > 0
    a = np.lexsort((nl.distance, nl.neighbor, nl.center))
    b = np.lexsort((graphs.edge_distance, graphs.edge_src, graphs.edge_dst))
    np.testing.assert_array_equal(graphs.edge_dst[b], nl.center[a])
    np.testing.assert_array_equal(graphs.edge_src[b], nl.neighbor[a])
    np.testing.assert_allclose(graphs.edge_distance[b], nl.distance[a], rtol=1e-6)
    np.testing.assert_allclose(np.sort(graphs.edge_weight), np.sort(nl.weight), rtol=1e-6)
    np.testing.assert_array_equal(np.diff(graphs.edge_offsets), np.diff(nl.pair_offsets))
    # node weights are total site occupancies (disordered sites are never rounded)
    counts = np.diff(packed_cifs.occ_offsets)
    site = np.repeat(np.arange(len(counts)), counts)
    total = np.bincount(site, weights=packed_cifs.occ_fraction, minlength=len(counts))
    np.testing.assert_allclose(graphs.node_weight, total, rtol=1e-6)
    # the cap keeps the nearest max_neighbors per site
    capped = build_graphs(packed_cifs, cutoff=cutoff, max_neighbors=4)
    per_site = np.bincount(capped.edge_dst, minlength=len(counts))
    assert per_site.max() <= 4 and (capped.edge_distance <= cutoff + 1e-6).all()


def test_graph_predictor_statuses_checkpoint_and_pickle(cif_table, tmp_path):
    train = cif_table.iloc[:40]
    model = CandidatePredictor(
        featurizers=(), estimator="graph", estimator_params=FAST_PARAMS["graph"], device="auto"
    ).fit(train)
    frame = cif_table.iloc[40:][["candidate_id", "formula", "structure"]].copy()
    extra = pd.DataFrame(
        {
            "candidate_id": ["no-cif", "bad-cif"],
            "formula": ["Li3PS4", "Li3PS4"],
            "structure": [None, "data_broken\n_cell_length_a 1\n"],
        }
    )
    frame = pd.concat([frame, extra], ignore_index=True)
    out = model.to("cpu").predict_frame(frame)
    assert list(out.columns) == [
        *CONDUCTIVITY.output_columns,
        "pred_log10_sigma_novelty",
        "pred_status",
    ]
    # OBELiX CIFs that do not locate the Li (b4c: Si2S8 for Li8Si2S8) are not their formula
    mismatch = [
        formula_mismatch(f, s) is not None
        for f, s in zip(
            frame["formula"][:-2], parse_structures(frame["structure"][:-2])[0], strict=True
        )
    ]
    assert sum(mismatch) == 1
    assert out["pred_status"][:-2].tolist() == ["formula_mismatch" if m else "ok" for m in mismatch]
    good = out.iloc[:-2][~np.array(mismatch)]
    assert good[list(CONDUCTIVITY.output_columns)].notna().all().all()
    assert good["pred_log10_sigma_novelty"].isna().all()  # no feature matrix to measure it in
    assert (good["pred_log10_sigma_lo"] < good["pred_log10_sigma_hi"]).all()
    assert out["pred_status"].tolist()[-2:] == ["no_structure", "structure_parse_error"]
    assert out.iloc[-2:][list(CONDUCTIVITY.output_columns)].isna().all().all()

    # a batch in which no row has a structure still gives one status per row
    lonely = frame.iloc[[-2, -2]]
    assert model.predict_frame(lonely)["pred_status"].tolist() == ["no_structure"] * 2
    assert model.featurize(lonely).take(np.array([1])).X is None

    graph = model.estimator_.estimator_
    assert isinstance(graph, GraphRegressor)
    path = graph.save_checkpoint(tmp_path / "graph.pt")
    loaded = GraphRegressor.from_checkpoint(torch.load(path, weights_only=True), device="cpu")
    packed = pack_structures(parse_structures(frame["structure"].iloc[:-2].tolist())[0])
    for a, b in zip(graph.predict_dist(packed), loaded.predict_dist(packed), strict=True):
        np.testing.assert_array_equal(a, b)
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(restored.predict_frame(frame), out)
