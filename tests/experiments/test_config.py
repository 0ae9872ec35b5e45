from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.experiments.config_files import ConfigError
from electroscreen.experiments.train_config import TrainConfig, load_train_config
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

    config = TrainConfig(
        task="conductivity", featurizers=["magpie"], conformal_groups="family",
        registered_model_name="x",
    )  # fmt: skip
    assert build_predictor(config).conformal_groups == ["family"]  # one name is a list of one
    default = TrainConfig(task="conductivity", featurizers=["magpie"], registered_model_name="x")
    assert build_predictor(default).conformal_groups == ["chemsys"]
    assert build_predictor(default).conformal_novelty_bins == 1
    pooled = TrainConfig(
        task="conductivity",
        featurizers=["magpie"],
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
        ({"evaluation": {"schemes": ["family_cv", "family_cv"]}}, "evaluation.schemes"),
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
    from electroscreen.models.row_groups import conformal_groupings

    assert conformal_groupings("family") == ["family"]
    assert conformal_groupings(("chemsys", "none")) == ["chemsys", "none"]
    for bad in ([], ["chemsys", "paper"], 3, None, [1]):
        with pytest.raises(
            ValueError, match="conformal_groups must be composition, chemsys, family, none"
        ):
            conformal_groupings(bad)
        with pytest.raises(ValidationError, match="conformal_groups must be"):
            TrainConfig(task="conductivity", conformal_groups=bad, registered_model_name="x")
        with pytest.raises(ValueError, match="conformal_groups must be"):
            CandidatePredictor(conformal_groups=bad)._check()


def test_conformal_scale_reaches_the_predictor():
    from electroscreen.experiments.train import build_predictor

    root = Path(__file__).resolve().parents[2] / "configs"
    assert (
        build_predictor(load_train_config(root / "conductivity.yaml")).conformal_scale
        == "learned_anion"
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


def test_cli_refuses_a_cuda_index_this_machine_does_not_have(tmp_path, monkeypatch):
    """device: cuda:7 on a one-GPU machine passed the check and failed at the network's first fit
    (invalid device ordinal)."""
    import torch

    from electroscreen.experiments.train import check_torch_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    path = write_config(tmp_path, "gpu.yaml", estimator="mlp", device="cuda:7",
                        estimator_params={"n_members": 1})  # fmt: skip
    with pytest.raises(
        ValueError, match=r"'cuda:7' was asked for, .* sees 1 CUDA device\(s\) \(cuda:0;"
    ):
        check_torch_device(load_train_config(path))
    for device in ("cuda:0", "cuda"):
        path = write_config(tmp_path, estimator="mlp", device=device, estimator_params={})
        check_torch_device(load_train_config(path))


@pytest.mark.parametrize("device", ["cuda", "cuda:7"])
def test_a_cuda_device_for_a_model_without_a_torch_network_is_refused(tmp_path, device):
    """``device: cuda:7`` trained the extra trees on the CPU without a word: the config read as a
    GPU run. auto and cpu stay (the forest does run on the CPU)."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    trees = write_config(tmp_path, "trees.yaml", device=device)
    result = CliRunner().invoke(app, ["train", "--config", str(trees), "--tracking-uri", uri])
    assert result.exit_code == 2 and not (tmp_path / "mlflow.db").exists()
    assert (
        f"trees.yaml: invalid training config: field 'device': Value error, {device} acts on the "
        "torch networks only (mlp, attention, graph); random_forest runs on the CPU"
    ) in " ".join(result.stderr.split())
    logistic = yaml.safe_load((CONFIGS / "air_stability_logistic.yaml").read_text())
    (tmp_path / "logistic.yaml").write_text(yaml.safe_dump({**logistic, "device": device}))
    with pytest.raises(ConfigError, match="field 'device': .* logistic runs on the CPU"):
        load_train_config(tmp_path / "logistic.yaml")
    for cpu in ("auto", "cpu"):
        assert load_train_config(write_config(tmp_path, device=cpu)).device == cpu
    # a torch network as a member uses it: an averaged one, a gated one
    mlp = {"estimator": "mlp", "params": {"n_members": 1}}
    air = _air_config(tmp_path, "gated.yaml", device=device, estimator_params={"near": mlp})
    assert load_train_config(air).device == device
    members = [{**mlp, "featurizers": ["magpie"]}, {"estimator": "random_forest",
               "featurizers": ["electrolyte"], "params": {"n_estimators": 5}}]  # fmt: skip
    averaged = write_config(tmp_path, estimator="averaged", device=device,
                            estimator_params={"members": members})  # fmt: skip
    assert load_train_config(averaged).device == device


def _air_config(folder: Path, name: str = "air.yaml", **changes: object) -> Path:
    """``configs/air_stability_prior.yaml`` (gated, calibration: prior) with top-level
    ``changes``; ``near`` / ``far`` / other ``estimator_params`` keys merge into its own."""
    data = yaml.safe_load((CONFIGS / "air_stability_prior.yaml").read_text())
    gated = data["estimator_params"]
    for key, value in changes.pop("estimator_params", {}).items():
        gated[key] = {**gated[key], **value} if isinstance(value, dict) else value
    data.update(changes)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


RF = {"estimator": "random_forest", "params": {"n_estimators": 10}}


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"gate_sclae": 0.5}, "'near' and 'far'"),
        ({"far": {"estimtor": "logistic"}}, "unknown keys"),
        ({"far": {"features": ["rxn_h2o_ev_per_atomm"]}}, "rxn_h2o_ev_per_atomm"),
        ({"far": {"features": []}}, "non-empty list"),  # it read every column
        ({"calibration": "priors"}, "calibration"),
        ({"calibration": True}, "calibration"),
        ({"gate_scale": 0}, "gate_scale"),
        ({"gate_scale": "big"}, "gate_scale"),
        ({"near": "random_forest"}, "near must be a mapping"),
        ({"near": {**RF, "params": {"n_estimators": 0}}}, "n_estimators"),
        ({"near": {**RF, "params": {"n_estimators": -5}}}, "n_estimators"),
        ({"near": {**RF, "params": {"n_estimators": "100"}}}, "n_estimators"),
        ({"near": {**RF, "params": {"max_features": 3.3}}}, "max_features"),
        ({"near": {**RF, "params": {"class_weight": "balnced"}}}, "class_weight"),
        ({"near": {**RF, "params": {"n_jobs": 0}}}, "n_jobs"),
        ({"far": {"params": {"C": -1.0}}}, "'C'"),
        ({"far": {"params": {"C": 1.0, "class_weight": "balnced"}}}, "class_weight"),
        ({"far": {"estimator": "mlp", "params": {"epochs": 0}}}, "epochs"),
    ],
)
def test_gated_estimator_params_are_checked_when_the_config_loads(tmp_path, params, says):
    """These failed after featurizing, inside the MLflow run (a traceback and a FAILED run), or
    (``features: []``) trained a member on every column."""
    path = _air_config(tmp_path, estimator_params=params)
    with pytest.raises(ConfigError, match="invalid training config") as info:
        load_train_config(path)
    assert "field 'estimator_params'" in str(info.value) and says in str(info.value)


def test_gated_features_are_checked_against_the_featurizers_listed(tmp_path):
    """Without featurizer_params, moisture gives one column: the member's borane_cluster is
    not a design column (the audit's custom_air.yaml)."""
    path = _air_config(tmp_path, featurizers=["moisture", "hsab"], featurizer_params={})
    with pytest.raises(ConfigError, match=r"features \['borane_cluster', "):
        load_train_config(path)
    with_hsab = _air_config(
        tmp_path,
        "hsab.yaml",
        featurizers=["moisture", "hsab"],
        featurizer_params={},
        estimator_params={"far": {"features": ["rxn_h2o_ev_per_atom", "hsab_pair_mismatch"]}},
    )
    from electroscreen.featurizers.registry import make_featurizer

    assert "hsab_pair_mismatch" in make_featurizer("hsab").get_feature_names_out()
    assert load_train_config(with_hsab).estimator == "gated"


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"estimator_params": {"n_estimators": 0}}, "estimator_params", "n_estimators"),
        ({"estimator_params": {"max_features": 1.5}}, "estimator_params", "max_features"),
        ({"estimator_params": {"n_jobs": 0}}, "estimator_params", "n_jobs"),
        ({"estimator_params": {"n_estimators": True}}, "estimator_params", "int, not a boolean"),
        ({"estimator_params": {"n_estimator": 9}}, "estimator_params", "mean 'n_estimators'?"),
        ({"estimator_params": {"criterion": "gini"}}, "estimator_params", "accepted: n_estim"),
        ({"estimator": "mlp", "estimator_params": {"epochs": 0}}, "estimator_params", "epochs"),
        ({"estimator": "mlp", "estimator_params": {"n_members": 0}}, "estimator_params", "n_"),
        # taken and ignored by the estimator (the fit gave the default's metrics)
        (
            {"estimator": "extra_trees", "estimator_params": {"learning_rate": 0.5, "max_iter": 3}},
            "estimator_params",
            "'learning_rate' does not apply to extra_trees (gradient_boosting only)",
        ),
        (
            {"estimator": "extra_trees", "estimator_params": {"class_weight": "balanced"}},
            "estimator_params",
            "'class_weight' does not apply to extra_trees (a classifier's option: not read by a "
            "conductivity model)",
        ),
        (
            {"estimator": "extra_trees", "estimator_params": {"n_members": 3}},
            "estimator_params",
            "'n_members' does not apply to extra_trees (gradient_boosting only)",
        ),
        # a featurizer's numbers and flags are no more coerced than the estimator's
        (
            {"featurizer_params": {"magpie": {"impute_nan": "yes"}}},
            "featurizer_params",
            "impute_nan takes bool, not the text 'yes'",
        ),
        (
            {"featurizer_params": {"magpie": {"impute_nan": 1}}},
            "featurizer_params",
            "impute_nan takes bool, not 1",
        ),
        ({"seed": -1}, "seed", "Seed must be between 0 and 2**32 - 1"),
        ({"alias": "my alias/1"}, "alias", "Invalid alias name"),
        ({"alias": "Latest"}, "alias", "reserved"),
        ({"alias": "v3"}, "alias", "reserved"),  # models:/<name>@v3 would mean version 3
        ({"registered_model_name": "a/b"}, "registered_model_name", "cannot contain '/'"),
        ({"registered_model_name": "a:b"}, "registered_model_name", "cannot contain '/'"),
        ({"experiment": ""}, "experiment", "Invalid experiment name"),
        ({"temperature_model": "arrhenius"}, "temperature_model", "liverpool: false"),
    ],
)
def test_values_mlflow_names_and_the_arrhenius_data_are_checked_at_load(
    tmp_path, changes, field, says
):
    """Each failed only at the first fit or, for the names, in MLflow after the whole training
    (a bad alias left the FAILED run's version registered); arrhenius without Liverpool rows
    gave every candidate the constant default activation energy."""
    path = write_config(tmp_path, "bad.yaml", **changes)
    with pytest.raises(ConfigError) as info:
        load_train_config(path)
    assert f"field '{field}'" in str(info.value) and says in str(info.value)


def test_arrhenius_with_liverpool_rows_and_good_names_load(tmp_path):
    path = write_config(
        tmp_path,
        temperature_model="arrhenius",
        liverpool=True,
        alias="candidate-2_b",
        registered_model_name="my-model.v2",
        seed=2**32 - 1,
    )
    config = load_train_config(path)
    assert config.alias == "candidate-2_b" and config.temperature_model == "arrhenius"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("liverpool", True),
        ("liverpool", False),  # set at all: it says the file expects an effect
        ("temperature_model", "arrhenius"),
        ("conformal_alpha", 0.2),
        ("conformal_groups", ["family"]),
        ("censored", "drop"),
    ],
)
def test_conductivity_only_fields_set_in_an_air_config_are_errors(tmp_path, field, value):
    """They were accepted, had no effect and were not even logged."""
    with pytest.raises(ConfigError, match=f"field '{field}': .*conductivity only"):
        load_train_config(_air_config(tmp_path, **{field: value}))


def test_air_label_path_must_exist(tmp_path, data_dir):
    """A mistyped label file trained on the package labels without a word."""
    with pytest.raises(ConfigError, match=r"field 'data_dir': .*nowhere\.csv"):
        load_train_config(_air_config(tmp_path, data_dir=str(tmp_path / "nowhere.csv")))
    for kept in (str(data_dir), str(tmp_path)):  # folders: the package labels, as documented
        assert load_train_config(_air_config(tmp_path, data_dir=kept)).data_dir == Path(kept)
    # a conductivity data folder is a folder: one that does not exist failed only at training,
    # with a message naming neither the config nor the field
    assert load_train_config(write_config(tmp_path, data_dir=str(data_dir))).data_dir == data_dir
    for missing, says in ((tmp_path / "x", "does not exist"), (tmp_path / "air.yaml", "is a file")):
        with pytest.raises(ConfigError) as caught:
            load_train_config(write_config(tmp_path, data_dir=str(missing)))
        assert "small.yaml: invalid training config: field 'data_dir': " in str(caught.value)
        assert f"{missing} {says}: a conductivity data_dir is the reference data folder" in str(
            caught.value
        )


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("seed", True, "Input should be a valid integer, not the boolean true"),
        ("seed", 1.0, "Input should be a valid integer, not 1.0"),
        ("seed", "3", "Input should be a valid integer, not the text '3'"),
        ("conformal_alpha", "0.1", "valid number, not the text '0.1' (write the number unquoted"),
        ("conformal_alpha", "1e-1", "not the text '1e-1'"),  # YAML 1.1 reads 1e-1 as text
        ("conformal_alpha", True, "Input should be a valid number, not the boolean true"),
        ("liverpool", "yes", "Input should be a valid boolean, not the text 'yes'"),
        ("liverpool", 1, "Input should be a valid boolean, not 1"),
        ("conformal_seen_systems", "no", "Input should be a valid boolean, not the text 'no'"),
        ("conformal_novelty_bins", True, "valid integer, not the boolean true"),
        ("structures", "true", "Input should be a valid boolean, not the text 'true'"),
        ("evaluation", {"cv_folds": 5.0}, "Input should be a valid integer, not 5.0"),
    ],
)
def test_numbers_and_flags_are_not_coerced(tmp_path, field, value, says):
    """``seed: true`` trained with seed 1; ``conformal_alpha: "0.1"`` and ``liverpool: "yes"``
    were accepted, although a YAML true for a number is refused elsewhere."""
    where = f"{field}.cv_folds" if field == "evaluation" else field
    with pytest.raises(ConfigError) as caught:
        load_train_config(write_config(tmp_path, **{field: value}))
    message = str(caught.value)
    assert f"small.yaml: invalid training config: field '{where}': " in message and says in message


def test_strict_fields_still_take_their_types(tmp_path):
    path = write_config(tmp_path, seed=7, conformal_alpha=0.2, liverpool=True, structures=None)
    config = load_train_config(path)
    assert (config.seed, config.conformal_alpha, config.liverpool) == (7, 0.2, True)
    # a whole number is a number (the mapping's 1 for a probability is refused by its bound)
    with pytest.raises(ConfigError, match="field 'conformal_alpha': Input should be less than 1$"):
        load_train_config(write_config(tmp_path, conformal_alpha=1))
    assert (
        load_train_config(write_config(tmp_path, evaluation={"cv_folds": 3})).evaluation.cv_folds
        == 3
    )


def test_air_label_file_without_its_columns_is_a_config_error(tmp_path):
    """A label CSV of ``id,formula,verdict`` trained into a raw ``AttributeError`` traceback."""
    labels = tmp_path / "labels_bad.csv"
    labels.write_text("id,formula,verdict\nx,Li3PS4,stable\n")
    path = _air_config(tmp_path, data_dir=str(labels))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = CliRunner().invoke(app, ["train", "--config", str(path), "--tracking-uri", uri])
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.startswith(f"error: {path}: invalid training config: field 'data_dir'")
    assert f"{labels}: label file lacks required column(s) family, carrier" in line
    assert "Traceback" not in result.output and not (tmp_path / "mlflow.db").exists()


def test_cli_rejects_a_bad_gated_member_before_any_work(tmp_path):
    path = _air_config(tmp_path, estimator_params={"far": {"features": ["borane_clustr"]}})
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = CliRunner().invoke(app, ["train", "--config", str(path), "--tracking-uri", uri])
    assert result.exit_code == 2, result.output
    assert "invalid training config: field 'estimator_params'" in result.stderr
    assert "borane_clustr" in result.stderr and result.stdout == ""
    assert not (tmp_path / "mlflow.db").exists()


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"featurizers": [], "estimator": "extra_trees"}, "at least one featurizer"),
        (
            {
                "featurizers": [],
                "estimator": "graph",
                "estimator_params": {},
                "temperature_model": "arrhenius",
                "liverpool": True,
            },  # fmt: skip
            "temperature_model needs a conductivity model with descriptors",
        ),
        (
            {
                "featurizers": [],
                "estimator": "graph",
                "estimator_params": {},
                "conformal_novelty_bins": 3,
            },  # fmt: skip
            "conformal_novelty_bins=1",
        ),
    ],
)
def test_combinations_the_predictor_refuses_are_refused_at_load(tmp_path, changes, says):
    """They passed the config and failed after the table (the graph: its 321 CIFs) was loaded."""
    path = write_config(tmp_path, "bad.yaml", **changes)
    with pytest.raises(ConfigError, match=says):
        load_train_config(path)
