"""The computed objectives of a batch follow the screening config."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from electroscreen.screening.batch import objective_values
from electroscreen.screening.screen_config import ObjectivesConfig

LATP = "Li1.3Al0.3Ti1.7(PO4)3"  # its oxidation limit rests on the enthalpy model (about 8.5 V raw)
LI3PS4 = "Li3PS4"  # tabulated: never out of domain


def test_window_uncertainty_bound_comes_from_the_config():
    strict = objective_values([LATP, LI3PS4], ObjectivesConfig(), "Li")
    loose = objective_values(
        [LATP, LI3PS4], ObjectivesConfig(window_max_uncertainty_v=np.inf), "Li"
    )
    assert np.isnan(strict[0, 1]) and loose[0, 1] > 6.0  # window_ox_v
    np.testing.assert_array_equal(strict[1], loose[1])
    assert np.isfinite(strict[:, 2]).all()  # cost does not depend on the window
    with pytest.raises(ValidationError):
        ObjectivesConfig(window_max_uncertainty_v=0)
