"""A card writes its values readably: no exponents for ordinary numbers, float noise as 0, flags as
yes/no, units beside values (the audit read ``volume_per_atom 1.873e+01``,
``carrier_bond_ionicity_std 2.624e-17``, ``h2s_released 1.0``)."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.analysis.card_format import display_unit, readable, value_table


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (18.7312, "A^3", "18.73"),
        (2.624e-17, "", "0"),
        (-3.1e-12, "V", "0"),
        (1771.0, "", "1771"),
        (np.float64(12345.6), "", "12346"),
        (0.00028612, "", "0.0002861"),
        (-2.39412, "", "-2.394"),
        (np.nan, "", "NaN"),
        (1.0, "0/1", "yes"),
        (0.0, "0/1", "no"),
        (np.True_, "", "yes"),
        ("hull_decomposition", "", "hull_decomposition"),
    ],
)
def test_readable(value, unit, text):
    assert readable(value, unit) == text


def test_value_table_writes_units_and_leaves_a_unitless_table_without_them():
    table = value_table(
        {"volume_per_atom": 18.73, "h2s_released": 1.0, "carrier_fraction": 0.4},
        {"volume_per_atom": "A^3", "h2s_released": "0/1", "carrier_fraction": ""},
    )
    assert table.loc["volume_per_atom"].tolist() == ["18.73", "Å³"]
    assert table.loc["h2s_released"].tolist() == ["yes", ""]
    assert "unit" not in value_table({"status": "ok"}, name="status").columns
    assert display_unit("g/cm^3") == "g/cm³" and display_unit("0/1") == ""
