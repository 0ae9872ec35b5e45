from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.experiments.train_config import ConfigError, TrainConfig, load_train_config
from tests.experiments.conftest import write_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
TRAIN_CONFIGS = sorted(p for p in CONFIGS.glob("*.yaml") if p.name != "screening.yaml")


@pytest.mark.parametrize("path", TRAIN_CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_validate(path):
    config = load_train_config(path)
    assert config.registered_model_name.startswith("electroscreen-")
    assert config.task in path.name


def test_default_configs_register_the_pinned_names():
    assert len(TRAIN_CONFIGS) >= 6
    conductivity = load_train_config(CONFIGS / "conductivity.yaml")
    air = load_train_config(CONFIGS / "air_stability.yaml")
    assert conductivity.registered_model_name == "electroscreen-conductivity"
    assert air.registered_model_name == "electroscreen-air-stability"
    assert not conductivity.reads_structures()
    assert load_train_config(CONFIGS / "conductivity_graph.yaml").reads_structures()
    # Structure featurizers imply structures even when the config does not say so.
    assert TrainConfig(
        task="conductivity", featurizers=["magpie", "structure"], registered_model_name="x"
    ).reads_structures()


def test_flat_params_flatten_nested_fields():
    config = TrainConfig(
        task="conductivity",
        featurizers=["magpie", "electrolyte"],
        estimator_params={"n_estimators": 7},
        registered_model_name="x",
    )
    params = config.flat_params()
    assert params["featurizers"] == "magpie,electrolyte"
    assert params["estimator_params.n_estimators"] == "7"
    assert params["evaluation.cv_folds"] == "5"
    assert params["data_dir"] == ""


def test_conformal_groups_reach_the_predictor():
    from electroscreen.experiments.train import build_predictor

    config = TrainConfig(task="conductivity", conformal_groups="family", registered_model_name="x")
    assert build_predictor(config).conformal_groups == ["family"]  # one name is a list of one
    default = TrainConfig(task="conductivity", registered_model_name="x")
    assert build_predictor(default).conformal_groups == ["chemsys"]
    assert build_predictor(default).conformal_novelty_bins == 1
    pooled = TrainConfig(
        task="conductivity",
        conformal_groups=["chemsys", "family"],
        conformal_novelty_bins=3,
        registered_model_name="x",
    )
    assert build_predictor(pooled).conformal_groups == ["chemsys", "family"]
    assert build_predictor(pooled).conformal_novelty_bins == 3
    assert pooled.flat_params()["conformal_groups"] == "chemsys,family"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"conformal_alpha": 1.5}, "conformal_alpha"),
        ({"featurizers": ["magpie", "nope"]}, "featurizers"),
        ({"estimator_parms": {"n_estimators": 3}}, "estimator_parms"),
        ({"task": "bandgap"}, "task"),
        ({"evaluation": {"schemes": ["random"]}}, "evaluation.schemes.0"),
        ({"conformal_groups": "random"}, "conformal_groups"),
        ({"conformal_groups": ["chemsys", "paper"]}, "conformal_groups"),
        ({"conformal_novelty_bins": 0}, "conformal_novelty_bins"),
        ({"featurizer_params": {"hsab": {}}}, "featurizer_params"),
        ({"featurizer_params": {"magpie": {"colour": 1}}}, "featurizer_params"),
        ({"estimator": "extra_tree"}, "estimator"),
        ({"device": "foo"}, "device"),  # it crashed in the network's fit after featurizing
        ({"device": "cuda:x"}, "device"),
        ({"estimator_params": {"n_estimator": 20}}, "estimator_params"),
        ({"estimator": "logistic"}, "estimator_params"),  # a classifier, for conductivity
        (
            {
                "estimator": "averaged",
                "estimator_params": {
                    "members": [
                        {"estimator": "random_forest", "featurizers": ["magpie"]},
                        {
                            "estimator": "extra_trees",
                            "featurizers": ["magpie"],
                            "params": {"depth": 3},
                        },
                    ]
                },
            },
            "estimator_params",
        ),
    ],
)
def test_bad_config_names_file_and_field(tmp_path, changes, field):
    path = write_config(tmp_path, "bad.yaml", **changes)
    with pytest.raises(ConfigError) as info:
        load_train_config(path)
    message = str(info.value)
    assert str(path) in message
    assert f"field '{field}'" in message


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_train_config(tmp_path / "absent.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_train_config(tmp_path / "list.yaml")
    (tmp_path / "broken.yaml").write_text("task: [conductivity\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_train_config(tmp_path / "broken.yaml")
    path = write_config(tmp_path, "nameless.yaml")
    text = path.read_text().replace("registered_model_name: test-conductivity\n", "")
    path.write_text(text)
    with pytest.raises(ConfigError, match="field 'registered_model_name'"):
        load_train_config(path)


def test_cli_rejects_a_bad_config_before_training(tmp_path):
    path = write_config(tmp_path, "bad.yaml", conformal_alpha=0.0)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = CliRunner().invoke(app, ["train", "--config", str(path), "--tracking-uri", uri])
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr and "conformal_alpha" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "mlflow.db").exists()


def test_conformal_groups_are_checked_by_one_rule():
    from electroscreen.models.predictor import CandidatePredictor
    from electroscreen.models.tasks import conformal_groupings

    assert conformal_groupings("family") == ["family"]
    assert conformal_groupings(("chemsys", "none")) == ["chemsys", "none"]
    for bad in ([], ["chemsys", "paper"], 3, None, [1]):
        with pytest.raises(ValueError, match="conformal_groups must be chemsys, family, none"):
            conformal_groupings(bad)
        with pytest.raises(ValidationError, match="conformal_groups must be"):
            TrainConfig(task="conductivity", conformal_groups=bad, registered_model_name="x")
        with pytest.raises(ValueError, match="conformal_groups must be"):
            CandidatePredictor(conformal_groups=bad)._check()


def test_conformal_scale_reaches_the_predictor():
    from electroscreen.experiments.train import build_predictor

    root = Path(__file__).resolve().parents[2] / "configs"
    assert (
        build_predictor(load_train_config(root / "conductivity.yaml")).conformal_scale == "learned"
    )
    with pytest.raises(ConfigError, match="conformal_scale"):
        load_train_config(CONFIGS / "conductivity.yaml", conformal_scale="wide")


def test_featurizer_params_reach_the_predictor():
    from electroscreen.experiments.train import build_predictor

    features = ["rxn_h2o_ev_per_atom", "mixed_valence"]
    config = TrainConfig(
        task="air_stability",
        featurizers=["moisture"],
        featurizer_params={"moisture": {"features": features}},
        estimator="logistic",
        registered_model_name="x",
    )
    predictor = build_predictor(config)
    assert list(predictor.feature_names()) == features
    assert config.flat_params()["featurizer_params.moisture.features"] == ",".join(features)
    with pytest.raises(ValidationError, match="subset"):
        TrainConfig(
            task="air_stability",
            featurizers=["moisture"],
            featurizer_params={"moisture": {"features": ["colour"]}},
            registered_model_name="x",
        )


def test_air_runs_do_not_log_the_conductivity_only_fields():
    from electroscreen.experiments.train_config import CONDUCTIVITY_ONLY

    air = load_train_config(CONFIGS / "air_stability.yaml").flat_params()
    conductivity = load_train_config(CONFIGS / "conductivity.yaml").flat_params()
    assert not set(CONDUCTIVITY_ONLY) & set(air)
    assert set(CONDUCTIVITY_ONLY) <= set(conductivity)
    assert air["featurizers"] == "moisture" and conductivity["liverpool"] == "True"


def test_cli_refuses_cuda_for_a_torch_model_where_there_is_none(tmp_path, monkeypatch):
    """device: cuda on a CPU-only machine trained on until the network's fit raised 'Torch not
    compiled with CUDA enabled' (a 160-line traceback and a FAILED run)."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    path = write_config(tmp_path, "gpu.yaml", estimator="mlp", device="cuda",
                        estimator_params={"n_members": 1})  # fmt: skip
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = CliRunner().invoke(app, ["train", "--config", str(path), "--tracking-uri", uri])
    assert result.exit_code == 2 and "sees no CUDA device" in result.stderr
    assert not (tmp_path / "mlflow.db").exists()
    trees = write_config(tmp_path, "trees.yaml", device="cuda")  # a forest ignores the device
    from electroscreen.experiments.train import check_torch_device

    check_torch_device(load_train_config(trees))
