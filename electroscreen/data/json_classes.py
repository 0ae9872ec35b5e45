"""The classes a pymatgen JSON structure may name: the one check before ``Structure.from_dict``.

pymatgen decodes every site property with monty's ``MontyDecoder``, which imports the module a
``{"@module": ..., "@class": ...}`` dict names and builds that class (``@callable`` returns any
function). A data file could so import any installed module -- or, with the working folder on
``sys.path`` (a notebook, ``python -m``), run a ``.py`` file shipped next to it. A structure file is
data: every ``@module`` / ``@class`` / ``@callable`` in it must name one of :data:`ALLOWED_CLASSES`
(the structure's own classes, and numpy arrays and ``Magmom`` as monty and pymatgen encode site
properties), else the item is a ``parse_error`` and nothing of it is decoded.
"""

from __future__ import annotations

__all__ = ["ALLOWED_CLASSES", "json_class_problem"]

#: (``@module``, ``@class``) pairs a structure JSON may hold: the classes a Structure is made of.
ALLOWED_CLASSES: frozenset[tuple[str, str]] = frozenset(
    {
        ("pymatgen.core.structure", "Structure"),
        ("pymatgen.core.structure", "IStructure"),
        ("pymatgen.core.lattice", "Lattice"),
        ("pymatgen.core.sites", "PeriodicSite"),
        ("pymatgen.core.sites", "Site"),
        ("pymatgen.core.periodic_table", "Element"),
        ("pymatgen.core.periodic_table", "Species"),
        ("pymatgen.core.periodic_table", "DummySpecies"),
        ("pymatgen.core.composition", "Composition"),
        ("pymatgen.electronic_structure.core", "Magmom"),
        ("numpy", "array"),
    }
)

_MARKERS = ("@module", "@class", "@callable", "@bound")


def json_class_problem(item: object) -> tuple[str, str] | None:
    """``("parse_error", reason)`` when a parsed JSON item names a class outside
    :data:`ALLOWED_CLASSES` anywhere in it (the reason quotes the first such ``@module`` and
    ``@class``), else None. Nothing is imported: the item is only walked.

    Examples
    --------
    >>> status, reason = json_class_problem({"sites": [{"properties": {"x": {"@module": "os"}}}]})
    >>> status, reason.split(",")[0]
    ('parse_error', "sites[0].properties.x names @module 'os' @class None")
    >>> json_class_problem({"@module": "pymatgen.core.structure", "@class": "Structure"}) is None
    True
    """
    stack: list[tuple[str, object]] = [("", item)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, list):
            stack.extend((f"{where}[{j}]", v) for j, v in reversed(list(enumerate(value))))
            continue
        if not isinstance(value, dict):
            continue
        if any(key in value for key in _MARKERS):
            module, name = value.get("@module"), value.get("@class", value.get("@callable"))
            allowed = (
                "@callable" not in value
                and "@bound" not in value
                and isinstance(module, str)
                and isinstance(name, str)
                and (module, name) in ALLOWED_CLASSES
            )
            if not allowed:
                kind = "@callable" if "@callable" in value else "@class"
                return (
                    "parse_error",
                    f"{where or 'the item'} names @module {module!r} {kind} {name!r}, not a class "
                    "of a pymatgen structure: a structure file is read as data, never imports a "
                    "module",
                )
        stack.extend(
            (f"{where}.{key}" if where else str(key), v) for key, v in reversed(value.items())
        )
    return None
