"""Element tables: equal to matminer's Magpie files and pymatgen's data they are built from."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest
from matminer.utils.data import MagpieData
from pymatgen.core.periodic_table import Element

from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.featurizers import elements
from electroscreen.featurizers.composition.hsab import HSAB_CLASSES, HSAB_SOURCES
from electroscreen.featurizers.elements import (
    MAGPIE_PROPERTIES,
    absolute_hardness,
    absolute_hardness_table,
    element_property,
    element_property_names,
    hsab_class,
    hsab_softness_table,
    ionic_radius,
    ionic_radius_table,
    magpie_table,
)

Z_RANGE = range(1, elements.MAX_Z + 1)


@pytest.mark.parametrize("impute_nan", [False, True])
def test_magpie_properties_equal_matminer(impute_nan):
    reference = MagpieData(impute_nan=impute_nan)
    magpie_names = [n for n in element_property_names() if n[0].isupper()]
    assert set(MAGPIE_PROPERTIES) <= set(magpie_names)
    for name in magpie_names:
        ours = element_property(name, impute_nan)
        expected = [reference.get_elemental_property(Element.from_Z(z), name) for z in Z_RANGE]
        np.testing.assert_array_equal(ours[1:], np.asarray(expected, dtype=float), err_msg=name)
        assert np.isnan(ours[0])
    table = magpie_table(impute_nan)
    assert table.shape == (104, 22)
    np.testing.assert_array_equal(table[:, 7], element_property("Electronegativity", impute_nan))


def test_pymatgen_columns_equal_pymatgen():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chi = [Element.from_Z(z).X for z in Z_RANGE]
        first_ie = [Element.from_Z(z).ionization_energies[0] for z in Z_RANGE]
    np.testing.assert_array_equal(element_property("pauling_electronegativity")[1:], chi)
    mass = [float(Element.from_Z(z).atomic_mass) for z in Z_RANGE]
    np.testing.assert_array_equal(element_property("atomic_mass")[1:], mass)
    np.testing.assert_array_equal(element_property("ionization_energy_1")[1:], first_ie)


def test_unknown_property_raises_and_tables_are_read_only():
    with pytest.raises(KeyError, match="unknown element property"):
        element_property("NoSuchProperty")
    for table in (element_property("Number"), ionic_radius_table(), absolute_hardness_table()):
        with pytest.raises(ValueError):
            table[1] = 0.0


def _reference_radius(z: int, ox: int, kind: str) -> float:
    """Shannon radius straight from pymatgen's data: CN VI, else nearest CN (lower), high spin."""
    roman = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9}
    roman.update({"X": 10, "XI": 11, "XII": 12, "XIV": 14})
    by_cn = Element.from_Z(z).data.get("Shannon radii", {}).get(str(ox))
    if not by_cn:
        return np.nan
    regular = [cn for cn in by_cn if cn in roman] or list(by_cn)
    cn = min(regular, key=lambda c: (abs(roman[c.rstrip("SQPY")] - 6), roman[c.rstrip("SQPY")]))
    spins = by_cn[cn]
    spin = "High Spin" if "High Spin" in spins else sorted(spins)[0]
    return spins[spin][f"{kind}_radius"]


@pytest.mark.parametrize("kind", ["ionic", "crystal"])
def test_ionic_radius_table_equals_pymatgen_shannon(kind):
    table = ionic_radius_table(kind)
    assert table.shape == (104, 17)
    for z in Z_RANGE:
        for ox in range(-8, 9):
            expected = _reference_radius(z, ox, kind)
            got = table[z, ox + 8]
            assert (np.isnan(got) and np.isnan(expected)) or got == expected, (z, ox)
    assert np.isfinite(table).sum() > 180


def test_ionic_radius_known_values_and_rounding():
    # Shannon (1976) effective ionic radii, six-fold unless only another coordination is listed
    assert ionic_radius(3, 1) == 0.76
    assert ionic_radius(8, -2) == 1.40
    assert ionic_radius(16, -2) == 1.84
    assert ionic_radius(17, -1) == 1.81
    assert ionic_radius(7, -3) == 1.46  # nitride: only IV is listed
    assert ionic_radius(26, 3) == 0.645  # high spin
    assert ionic_radius(3, 1, kind="crystal") == 0.90
    assert ionic_radius(26, 2.6) == ionic_radius(26, 3)
    assert ionic_radius(26, 2.4) == ionic_radius(26, 2)
    assert ionic_radius(26, 2.5) == ionic_radius(26, 3)
    for z, ox in [(1, -1), (3, 9), (0, 1), (150, 1), (3, float("nan"))]:
        assert np.isnan(ionic_radius(z, ox))
    with pytest.raises(ValueError):
        ionic_radius_table("covalent")


# Pearson, Inorg. Chem. 27, 734 (1988), Table I: absolute hardness (eV) of cations and, for anions,
# of the parent radical.
PEARSON_1988_HARDNESS = {
    ("Li", 1): 35.12,
    ("Na", 1): 21.08,
    ("K", 1): 13.64,
    ("Mg", 2): 32.55,
    ("Ca", 2): 19.52,
    ("Al", 3): 45.77,
    ("Zn", 2): 10.88,
    ("Cu", 1): 6.28,
    ("Ag", 1): 6.96,
    ("F", -1): 7.01,
    ("Cl", -1): 4.70,
    ("Br", -1): 4.24,
    ("I", -1): 3.70,
    ("H", -1): 6.43,
}


def test_absolute_hardness_reproduces_pearson_table():
    for (symbol, charge), eta in PEARSON_1988_HARDNESS.items():
        assert absolute_hardness(SYMBOL_TO_Z[symbol], charge) == pytest.approx(eta, abs=0.05)


def test_absolute_hardness_table_from_ionization_energies():
    table = absolute_hardness_table()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for z in (3, 8, 11, 12, 15, 16, 17, 40, 57, 73):
            el = Element.from_Z(z)
            ie = el.ionization_energies
            for n in range(1, 9):
                expected = (ie[n] - ie[n - 1]) / 2 if len(ie) > n else np.nan
                np.testing.assert_allclose(table[z, 8 + n], expected, err_msg=f"{el} {n}+")
            atom = (ie[0] - el.electron_affinity) / 2
            np.testing.assert_allclose(table[z, :9], atom)  # atom and every anion charge
    assert np.isnan(absolute_hardness(1, 1))  # H+ has no electron


def test_hsab_classes_are_sourced_and_tabulated():
    assert (hsab_class("Li", 1), hsab_class("Ag", 1), hsab_class("Br", -1)) == (
        "hard",
        "soft",
        "borderline",
    )
    assert hsab_class("O", -2) == "hard" and hsab_class("S", -2) == "soft"
    assert hsab_class("Ta", 5) == ""
    softness = hsab_softness_table()
    for (symbol, charge), cls in HSAB_CLASSES.items():
        assert symbol in SYMBOL_TO_Z and HSAB_SOURCES[(symbol, charge)]
        assert softness[SYMBOL_TO_Z[symbol], charge + 8] == {"hard": 0, "borderline": 0.5}.get(
            cls, 1.0
        )
    assert np.isfinite(softness).sum() == len(HSAB_CLASSES)


def test_shipped_tables_are_what_the_build_script_writes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "build_element_table", elements.DATA_DIR.parents[2] / "scripts" / "build_element_table.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "OUT_DIR", tmp_path)
    for build in (script.build_elements, script.build_shannon):
        path = build()
        assert path.read_bytes() == (elements.DATA_DIR / path.name).read_bytes(), path.name
