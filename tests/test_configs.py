"""The repository's configs/ is the editable copy of the configs shipped inside the package."""

from pathlib import Path

import pytest

from electroscreen.configs import DEFAULT_TRAIN_CONFIGS, config_path

REPO_CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_repo_configs_equal_the_shipped_ones():
    shipped = sorted(p.name for p in config_path("screening.yaml").parent.glob("*.yaml"))
    assert shipped == sorted(p.name for p in REPO_CONFIGS.glob("*.yaml"))
    for name in shipped:
        assert config_path(name).read_bytes() == (REPO_CONFIGS / name).read_bytes(), name


def test_default_models_have_shipped_configs():
    for name in DEFAULT_TRAIN_CONFIGS.values():
        assert config_path(name).is_file()
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        config_path("nope.yaml")


def test_ensemble_config_builds_an_averaged_predictor():
    from electroscreen.experiments.train import _uses_torch, build_predictor
    from electroscreen.experiments.train_config import load_train_config

    config = load_train_config(config_path("conductivity_ensemble.yaml"))
    predictor = build_predictor(config)
    assert predictor.estimator == "averaged" and predictor.conformal_method == "cv"
    predictor._check()  # every member's featurizers are the predictor's
    members = predictor.estimator_params["members"]
    assert [m["estimator"] for m in members] == ["random_forest", "attention"]
    assert _uses_torch(config) and "conductivity.yaml" in DEFAULT_TRAIN_CONFIGS.values()


def test_weighted_ensemble_config_carries_its_member_weights():
    from electroscreen.experiments.train import build_predictor
    from electroscreen.experiments.train_config import load_train_config
    from electroscreen.models.estimators import build_estimator
    from electroscreen.models.tasks import get_task

    config = load_train_config(config_path("conductivity_ensemble_weighted.yaml"))
    predictor = build_predictor(config)
    predictor._check()
    assert config.conformal_groups == ["chemsys", "family"]
    model = build_estimator(
        get_task("conductivity"),
        predictor.estimator,
        predictor.estimator_params,
        predictor.random_state,
        "cpu",
        blocks=predictor._feature_blocks(),
    )
    assert model.weights == [0.6, 0.4]
    # the plain ensemble keeps equal weights (its measured figures stay valid)
    plain = load_train_config(config_path("conductivity_ensemble.yaml"))
    assert all("weight" not in m for m in plain.estimator_params["members"])
