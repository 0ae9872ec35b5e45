"""The run's warning when many ranked rows lie above the top of ``sigma_range`` (an oxide chemist's
audit, finding O4: at 300 degC 29 of 57 rows tied on the conductivity term and the ranking became
the air score's)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.screening.class_warnings import WARNINGS_FILE
from electroscreen.screening.range_warnings import CLIPPED_SHARE, sigma_range_warnings
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import RankingConfig, load_screening_config

SAID = "lie at or above the top of ranking.sigma_range"


def _ranked(sigma: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"rank": pd.array(range(1, len(sigma) + 1), dtype="Int64"), "pred_log10_sigma": sigma}
    )


def test_the_share_above_the_top_decides_and_the_line_names_a_range():
    """More than 10 % and at least two rows at or above the top: one line with the count, the
    range, the temperature and a range of the same width reaching the highest prediction."""
    assert CLIPPED_SHARE == 0.10
    ten = [-3.0] * 18 + [-2.0, -1.3]  # 2 of 20 = 10 %: not more
    assert sigma_range_warnings(_ranked(ten), RankingConfig(), 300.0) == []
    [line] = sigma_range_warnings(_ranked(ten[1:]), RankingConfig(), 300.0)  # 2 of 19
    assert line.startswith(f"2 of 19 ranked rows (11 %) {SAID} [-8, -2] log10 S/cm")
    assert "the highest -1.30, predicted at 300 °C" in line
    assert "e.g. [-7, -1]" in line
    # one row alone at the top ties with no other
    assert sigma_range_warnings(_ranked([-1.0, -4.0, -5.0]), RankingConfig(), 25.0) == []
    # a wider range, or a score without conductivity, has nothing to say
    wide = RankingConfig(sigma_range=(-7.0, -1.0))
    assert sigma_range_warnings(_ranked(ten[1:]), wide, 300.0) == []
    no_sigma = RankingConfig(weight_conductivity=0.0, weight_air_stability=1.0)
    assert sigma_range_warnings(_ranked(ten[1:]), no_sigma, 300.0) == []
    # rows without a rank (rejected, failed) are not counted
    unranked = _ranked([-1.0, -1.5, -1.2, -5.0]).assign(rank=pd.array([1, None, None, 2], "Int64"))
    assert sigma_range_warnings(unranked, RankingConfig(), 300.0) == []


def test_a_hot_screen_above_the_cap_warns_and_the_same_rows_at_25_do_not(
    model_store, formula_pool, tmp_path
):
    """The same pool screened at 300 and at 25 degC: at 300 more than 10 % of the ranked rows lie
    above -2 and the run says so (console, model_warnings.txt, the result); at 25 fewer do and it
    says nothing."""
    runs = {}
    for t in (300.0, 25.0):
        said: list[str] = []
        result = screen(
            [formula_pool], tmp_path / f"t{t:g}", config=load_screening_config(temperature_c=t),
            tracking_uri=model_store.uri, track=False, progress=False, log=said.append,
        )  # fmt: skip
        ranked = result.results["rank"].notna().to_numpy()
        sigma = result.results["pred_log10_sigma"].to_numpy(np.float64)[ranked]
        runs[t] = (result, said, int(ranked.sum()), int((sigma >= -2.0).sum()))
    hot, said, n_ranked, n_top = runs[300.0]
    assert n_top > CLIPPED_SHARE * n_ranked and n_top >= 2
    [line] = [s for s in said if SAID in s]
    assert line.startswith(f"warning: {n_top} of {n_ranked} ranked rows")
    assert hot.ranking_warnings == [line.removeprefix("warning: ")]
    assert line.removeprefix("warning: ") in (hot.out / WARNINGS_FILE).read_text(encoding="utf-8")
    cool, said, n_ranked, n_top = runs[25.0]
    assert n_top <= CLIPPED_SHARE * n_ranked
    assert not [s for s in said if SAID in s] and cool.ranking_warnings == []
    assert not (cool.out / WARNINGS_FILE).exists() or SAID not in (
        cool.out / WARNINGS_FILE
    ).read_text(encoding="utf-8")
