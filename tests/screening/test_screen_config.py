"""The screening config's numbers and flags are strict, as a training config's are."""

from __future__ import annotations

import pytest
import yaml

from electroscreen.experiments.config_files import ConfigError
from electroscreen.screening.screen_config import load_screening_config


@pytest.mark.parametrize(
    ("fields", "where", "says"),
    [
        ({"batch_size": True}, "batch_size", "valid integer, not the boolean true"),
        ({"top": 2.0}, "top", "valid integer, not 2.0"),
        ({"temperature_c": "25"}, "temperature_c", "valid number, not the text '25'"),
        ({"filters": {"require_charge_balance": "yes"}}, "filters.require_charge_balance",
         "valid boolean, not the text 'yes'"),
        ({"filters": {"max_sites": True}}, "filters.max_sites", "integer, not the boolean true"),
        ({"filters": {"max_gii": "0.9"}}, "filters.max_gii", "valid number, not the text '0.9'"),
        ({"filters": {"allow_hydrates": "no"}}, "filters.allow_hydrates",
         "valid boolean, not the text 'no'"),
        ({"objectives": {"window": 1}}, "objectives.window", "valid boolean, not 1"),
        ({"ranking": {"kappa": "1"}}, "ranking.kappa", "valid number, not the text '1'"),
        ({"ranking": {"sigma_range": ["-8", -2]}}, "ranking.sigma_range.0",
         "valid number, not the text '-8'"),
    ],
)  # fmt: skip
def test_numbers_and_flags_are_not_coerced(tmp_path, fields, where, says):
    """``batch_size: true`` screened in batches of 1 and ``require_charge_balance: "yes"`` was
    true; quoted numbers were read as numbers."""
    path = tmp_path / "screening.yaml"
    path.write_text(yaml.safe_dump(fields))
    with pytest.raises(ConfigError) as caught:
        load_screening_config(path)
    message = str(caught.value)
    assert (
        f"screening.yaml: invalid screening config: field '{where}': Input should be a" in message
    )
    assert says in message


def test_whole_numbers_are_numbers_and_keep_the_digest(tmp_path):
    """A whole number where a real one is asked for is that real (the resume digest too)."""
    whole, real = tmp_path / "whole.yaml", tmp_path / "real.yaml"
    whole.write_text(yaml.safe_dump({"ranking": {"kappa": 2, "sigma_range": [-7, -3]}}))
    real.write_text(yaml.safe_dump({"ranking": {"kappa": 2.0, "sigma_range": [-7.0, -3.0]}}))
    config = load_screening_config(whole)
    assert config.ranking.kappa == 2.0 and isinstance(config.ranking.kappa, float)
    assert config.digest() == load_screening_config(real).digest()
    assert load_screening_config(whole, batch_size=7).batch_size == 7  # the CLI's override


def test_the_effective_config_as_yaml_reads_back_to_the_same_config(tmp_path):
    """``screen`` writes and logs ``yaml_text()``: every field, so ``--config`` with it repeats a
    screening; an infinite bound stays ``.inf`` (the JSON form of the digest writes it ``null``,
    which reads back as another config) and an element list stays a list."""
    from electroscreen.screening.screen_config import ScreeningConfig

    config = ScreeningConfig.model_validate(
        {
            "temperature_c": 80.0,
            "batch_size": 7,
            "filters": {"max_gii": None, "allowed_elements": ["Li", "P", "S"]},
            "objectives": {"window_max_uncertainty_v": float("inf"), "cathode": "LiMn2O4"},
            "ranking": {"kappa": 2.0, "sigma_range": [-7.0, -1.0], "weight_cost": 0.1},
        }
    )
    text = config.yaml_text()
    assert text.startswith("# The effective screening config")
    assert "window_max_uncertainty_v: .inf" in text
    path = tmp_path / "screening.yaml"
    path.write_text(text)
    back = load_screening_config(path)
    assert back == config and back.digest() == config.digest()
    assert yaml.safe_load(text)["ranking"]["sigma_range"] == [-7.0, -1.0]


def test_hydrates_are_left_out_by_default_and_the_switch_is_written_back(tmp_path):
    """``filters.allow_hydrates`` (screening/hydrate_filter.py): off in the shipped config and
    the built-in default, and in the effective config ``screen`` writes (``OUT/screening.yaml``)."""
    from electroscreen.screening.screen_config import ScreeningConfig

    assert load_screening_config().filters.allow_hydrates is False
    assert ScreeningConfig().filters.allow_hydrates is False
    path = tmp_path / "on.yaml"
    path.write_text(yaml.safe_dump({"filters": {"allow_hydrates": True}}))
    on = load_screening_config(path)
    assert on.filters.allow_hydrates is True
    assert "allow_hydrates: true" in on.yaml_text()
    (tmp_path / "back.yaml").write_text(on.yaml_text())
    assert load_screening_config(tmp_path / "back.yaml").digest() == on.digest()
    assert on.digest() != load_screening_config().digest()
