"""OBELiX's garnet CIFs (oxaudit O11): a CIF short of its Li says so, and a garnet's ordered
approximant is built from its primitive cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.obelix import load_obelix_structures
from electroscreen.screening.balance_messages import full_framework
from electroscreen.screening.filters import filter_batch
from electroscreen.screening.inputs import iter_batches, materialize, plan_inputs
from electroscreen.screening.screen_config import FilterConfig


@pytest.fixture(scope="module")
def garnet_cifs(data_dir, tmp_path_factory):
    """etz (Li7La3Zr2O12 with 64 % of its Li listed), duf (La and Zr sites a quarter and a sixth
    occupied), kji (Ta-LLZO, ordered sites but Li), as files."""
    texts = load_obelix_structures(data_dir)
    folder = tmp_path_factory.mktemp("garnets")
    for name in ("etz", "duf", "kji"):
        (folder / f"{name}.cif").write_text(texts[name])
    return folder


def _filtered(folder):
    """The filtered rows of the CIFs, as ``screen``'s batches filter them, and ``full_framework``."""
    outs, full = [], {}
    for batch in iter_batches(plan_inputs(sorted(folder.glob("*.cif"))), 10):
        table, structures = materialize(batch)
        table = table.reset_index(drop=True)
        whole = np.zeros(len(table), dtype=bool)
        whole[structures.positions] = full_framework(structures.packed, "Li")
        outs.append(filter_batch(table, FilterConfig(), full_framework=whole)[0])
        full.update(zip(table["candidate_id"], whole.tolist(), strict=True))
    return pd.concat(outs).set_index("candidate_id"), full


def test_a_garnet_cif_short_of_its_li_says_so_and_how_much_would_balance_it(garnet_cifs):
    out, full = _filtered(garnet_cifs)
    assert full == {"duf": False, "etz": True, "kji": True}
    assert out.loc["etz", "status"] == "not_charge_balanced"
    message = out.loc["etz", "error"]
    assert "(residual -20.2 e)" in message  # the sums, as before
    assert "20.24 more Li would balance it (Li56 in Li35.76La24Zr16O96)" in message
    assert "refinements often leave it unlocated" in message
    assert "screen the formula instead" in message
    # duf's La and Zr sites are the short ones: no amount of Li explains its residual
    assert out.loc["duf", "status"] == "not_charge_balanced"
    assert "more Li" not in out.loc["duf", "error"]
    assert "unlocated" not in out.loc["duf", "error"]
    assert out.loc["kji", "status"] == "ok"


def test_screen_gives_the_hint_to_a_cif_short_of_its_li(garnet_cifs, model_store, tmp_path):
    from electroscreen.screening import screen
    from electroscreen.screening.screen_config import load_screening_config

    results = screen(
        [garnet_cifs / "etz.cif", garnet_cifs / "duf.cif"], tmp_path / "out",
        config=load_screening_config(), tracking_uri=model_store.uri, track=False, progress=False,
    ).results.set_index("candidate_id")  # fmt: skip
    assert results["status"].tolist() == ["not_charge_balanced"] * 2
    assert "20.24 more Li would balance it" in results.loc["etz", "error"]
    assert "more Li" not in results.loc["duf", "error"]
