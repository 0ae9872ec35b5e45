"""Old pickles keep their behaviour: the one home of "what an attribute is when a pickle predates it".

A model or featurizer pickled by an older electroscreen lacks the parameters and fitted attributes
added since. :class:`LegacyStateMixin` fills them in on unpickling from a class-level table,
``_legacy_state`` (``name -> value``), merged along the MRO (a subclass's entry wins). The value is
the one that reproduces the behaviour *before* the attribute existed, which is not always the
constructor default: ``AirReactivity(stabilisation=True)`` is the default, but a featurizer pickled
before the option did not stabilise, so its legacy value is ``False``.

Rules (in this order, later wins):

1. with ``_legacy_init_defaults = True``, every constructor parameter with a default takes that
   default (the class promises that each new parameter's default is its old behaviour);
2. the ``_legacy_state`` tables along the MRO, base classes first;
3. what the pickle holds.

A fitted attribute (scikit-learn's convention: a name ending in ``_``) is filled only when the pickle
holds some other fitted attribute, so an unfitted object does not come back looking fitted. Values are
deep-copied, so no two objects share a mutable legacy value. Pickling itself (``__getstate__``) is
untouched; ``get_params``/``clone`` never go through ``__setstate__``.

This module is in ``data`` because featurizers and models both use it (imports flow
data <- featurizers <- models); it imports nothing from electroscreen.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = ["LegacyStateMixin", "is_fitted_name"]


def is_fitted_name(name: str) -> bool:
    """Whether ``name`` is a fitted attribute by scikit-learn's convention (``coef_``, not ``__x_``)."""
    return name.endswith("_") and not name.startswith("__")


class LegacyStateMixin:
    """``__setstate__`` that fills attributes a pickle predates (module docstring).

    Put it before ``BaseEstimator`` among the bases. Subclasses declare, e.g.::

        _legacy_state = {"stabilisation": False}  # before the option: no stabilisation

    Examples
    --------
    >>> import pickle
    >>> class Old(LegacyStateMixin):
    ...     pass
    >>> class New(Old):
    ...     _legacy_state = {"scale": "spread"}
    >>> obj = New.__new__(New)
    >>> obj.__setstate__({"alpha": 0.1})
    >>> obj.scale, obj.alpha
    ('spread', 0.1)
    """

    #: ``name -> value`` an attribute takes when a pickle predates it (the behaviour before it).
    _legacy_state: ClassVar[Mapping[str, object]] = {}
    #: Whether constructor defaults fill missing parameters not named in ``_legacy_state``.
    _legacy_init_defaults: ClassVar[bool] = False

    @classmethod
    def legacy_state(cls) -> dict[str, object]:
        """The merged table: ``name -> value`` filled into a pickle that lacks ``name``."""
        merged: dict[str, object] = {}
        if cls._legacy_init_defaults:
            merged.update(
                (name, p.default)
                for name, p in inspect.signature(cls.__init__).parameters.items()
                if p.default is not inspect.Parameter.empty
            )
        for klass in reversed(cls.__mro__):
            merged.update(vars(klass).get("_legacy_state", {}))
        return merged

    def __setstate__(self, state: dict[str, Any]) -> None:
        fitted = any(is_fitted_name(name) for name in state)
        missing = {
            name: copy.deepcopy(value)
            for name, value in self.legacy_state().items()
            if name not in state and (fitted or not is_fitted_name(name))
        }
        state = {**missing, **state}
        parent = getattr(super(), "__setstate__", None)
        if parent is None:  # no __setstate__ further along the MRO (object has none)
            self.__dict__.update(state)
        else:
            parent(state)
