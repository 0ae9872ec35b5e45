"""Reading a YAML config file and saying what is wrong with it, for every config of the project.

:func:`read_mapping` gives the file's fields (``yaml.safe_load``: no code from a config file) or a
:class:`ConfigError` naming the file (:class:`NotAMappingError` for YAML that holds no mapping);
:func:`field_problems` turns a pydantic ``ValidationError`` into one line per bad field
(``field 'batch_size': Input should be greater than or equal to 1``), so that the CLI prints
``error: <file>: invalid <kind> config: ...`` instead of pydantic's dump; :func:`flat_params` writes
a validated config as the MLflow params of its run (training and screening alike).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = ["ConfigError", "NotAMappingError", "field_problems", "flat_params", "read_mapping"]


class ConfigError(ValueError):
    """A config that cannot be read or does not validate (the message names file and field)."""


class NotAMappingError(ConfigError):
    """A config file that is valid YAML but not a mapping of fields (a list, a number, a text):
    :func:`read_mapping`'s one refusal a caller may reword for its own kind of config (the cluster
    config, a mapping of keyword arguments)."""


def read_mapping(path: str | Path) -> dict[str, Any]:
    """The fields of a YAML config file (an empty file: none).

    Raises
    ------
    ConfigError
        The file is missing or is not YAML; :class:`NotAMappingError` (a ``ConfigError``): it is
        not a mapping of fields.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise NotAMappingError(f"{path}: expected a mapping of fields, got {type(data).__name__}")
    return data


#: pydantic error types of a value of the wrong type, where the message alone does not say what
#: was read (``seed: true``, ``conformal_alpha: "0.1"``, ``1e-1``, which YAML reads as text).
_SHOW_INPUT = {"int_type", "float_type", "bool_type"}


def field_problems(exc: ValidationError) -> str:
    """``field '<dotted location>': <message>`` for each error of ``exc``, ``; ``-joined; a value
    of the wrong type is shown as read (``Input should be a valid number, not the text '0.1'``)."""
    return "; ".join(
        f"field '{'.'.join(str(part) for part in error['loc']) or '<root>'}': {error['msg']}"
        + (_as_read(error["input"]) if error["type"] in _SHOW_INPUT else "")
        for error in exc.errors()
    )


def _as_read(value: object) -> str:
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return f", not the text {value!r}"
        return f", not the text {value!r} (write the number unquoted, with a point: 0.1, 1.0e-1)"
    if isinstance(value, bool):
        return f", not the boolean {str(value).lower()}"
    return f", not {value!r}"


def flat_params(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """A config's fields (``model_dump(mode="json")``) as flat MLflow params.

    Nested mappings become dotted names (``filters.max_elements``; an empty one stays one param,
    ``"{}"``), a list or tuple its items ``,``-joined, ``None`` the empty text, anything else its
    ``str``.

    Examples
    --------
    >>> flat_params({"a": {"b": [1, 2], "c": None}, "d": {}, "e": 0.5})
    {'a.b': '1,2', 'a.c': '', 'd': '{}', 'e': '0.5'}
    """
    out: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flat_params(value, prefix=f"{name}."))
        elif isinstance(value, list | tuple):
            out[name] = ",".join(str(v) for v in value)
        else:
            out[name] = "" if value is None else str(value)
    return out
