"""A pymatgen JSON structure is read as data: no ``@module`` outside the structure classes is
imported (monty's decoder imports whatever a site property names)."""

import json
import sys

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from electroscreen.data import read_candidates
from electroscreen.data.json_classes import json_class_problem
from electroscreen.data.partial_sites import structure_from_dict
from electroscreen.data.validation import StructureProblem


def _licl_dict(site_property: object = None) -> dict:
    structure = Structure(Lattice.cubic(4.2), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    item = structure.as_dict()
    if site_property is not None:
        item["sites"][0]["properties"] = {"x": site_property}
    return item


def test_a_site_property_naming_an_installed_module_is_refused_before_it_is_imported(tmp_path):
    sys.modules.pop("this", None)
    (tmp_path / "import_this.json").write_text(
        json.dumps(_licl_dict({"@module": "this", "@class": "Nope"}))
    )
    table = read_candidates(tmp_path / "import_this.json")
    assert "this" not in sys.modules  # the Zen of Python was never printed
    assert table["status"].tolist() == ["parse_error"]
    error = table["error"].iloc[0]
    assert "import_this.json" in error and "'this'" in error and "'Nope'" in error


def test_a_helper_module_next_to_the_data_never_runs_and_the_batch_goes_on(tmp_path, monkeypatch):
    marker = tmp_path / "PWNED"
    (tmp_path / "s22_labhelper.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\nclass Props:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))  # the working folder of a notebook or python -m
    evil = _licl_dict({"@module": "s22_labhelper", "@class": "Props"})
    (tmp_path / "a_shared.json").write_text(json.dumps(evil))
    (tmp_path / "b_plain.json").write_text(json.dumps(_licl_dict()))
    table = read_candidates([tmp_path / "a_shared.json", tmp_path / "b_plain.json"])
    assert not marker.exists()
    assert "s22_labhelper" not in sys.modules
    assert table["status"].tolist() == ["parse_error", "ok"]
    assert "a_shared.json" in table["error"].iloc[0]
    assert "s22_labhelper" in table["error"].iloc[0]


@pytest.mark.parametrize(
    "value",
    [
        {"@module": "os", "@callable": "getcwd"},  # monty returns any function
        {"@module": "pymatgen.core.structure", "@class": "Molecule"},  # allowed module, not class
        {"@module": ["numpy"], "@class": "array"},  # not even a name
        [{"deeper": {"@module": "subprocess", "@class": "Popen"}}],
    ],
)
def test_every_class_outside_the_allowlist_is_named(value):
    item = _licl_dict(value)
    problem = json_class_problem(item)
    assert problem is not None and problem[0] == "parse_error"
    with pytest.raises(StructureProblem, match="@module"):
        structure_from_dict(item)


def test_a_structure_with_site_properties_and_partial_occupancy_reads_as_before(tmp_path):
    structure = Structure(
        Lattice.cubic(4.2),
        [{"Li+": 0.5, "Na+": 0.5}, "Cl-"],
        [[0, 0, 0], [0.5, 0.5, 0.5]],
        site_properties={
            "magmom": [np.array([0.0, 0.0, 1.0]), np.array([0.0, 0.0, 0.0])],
            "selective_dynamics": [[True, True, False], [True, True, True]],
            "charge": [0.5, -1.0],
        },
    )
    from monty.json import MontyEncoder

    text = json.dumps(structure, cls=MontyEncoder)  # numpy arrays as {"@module": "numpy", ...}
    assert json_class_problem(json.loads(text)) is None
    (tmp_path / "mixed.json").write_text(text)
    table = read_candidates(tmp_path / "mixed.json")
    assert table["status"].tolist() == ["ok"], table["error"].tolist()
    read = table["structure"].iloc[0]
    expected = Structure.from_dict(json.loads(text))  # pymatgen's own reading
    assert read == expected
    for key, values in expected.site_properties.items():
        for got, want in zip(read.site_properties[key], values, strict=True):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(read.site_properties["magmom"][0], [0.0, 0.0, 1.0])
    assert read.site_properties["charge"] == [0.5, -1.0]
    assert read[0].species.as_dict() == {"Li+": 0.5, "Na+": 0.5}
