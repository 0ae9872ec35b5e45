"""The one mechanism for attributes an old pickle lacks (electroscreen.data.legacy_state)."""

from __future__ import annotations

import pickle

from sklearn.base import BaseEstimator, clone

from electroscreen.data.legacy_state import LegacyStateMixin, is_fitted_name


class _Base(LegacyStateMixin, BaseEstimator):
    _legacy_state = {"a": "base-legacy", "b": "base-legacy", "table_": []}

    def __init__(self, a: str = "default-a", b: str = "default-b", c: int = 3) -> None:
        self.a, self.b, self.c = a, b, c

    def fit(self):
        self.table_ = [1]
        return self


class _Child(_Base):
    _legacy_state = {"b": "child-legacy"}


class _WithDefaults(_Child):
    _legacy_init_defaults = True


def _reload(obj: object, *missing: str) -> object:
    """``obj`` unpickled from a state without ``missing`` (as pickled before they existed)."""
    state = dict(obj.__getstate__())
    for name in missing:
        del state[name]
    old = type(obj).__new__(type(obj))
    old.__setstate__(state)
    return old


def test_tables_merge_along_the_mro_and_the_subclass_wins():
    assert _Child.legacy_state() == {"a": "base-legacy", "b": "child-legacy", "table_": []}
    old = _reload(_Child(a="x", b="y"), "a", "b")
    assert (old.a, old.b, old.c) == ("base-legacy", "child-legacy", 3)


def test_constructor_defaults_only_when_asked_and_the_table_overrides_them():
    old = _reload(_WithDefaults(a="x", b="y", c=7), "a", "b", "c")
    assert (old.a, old.b, old.c) == ("base-legacy", "child-legacy", 3)
    plain = _reload(_Child(c=7), "c")
    assert not hasattr(plain, "c")  # no table entry, no defaults: left missing, as before


def test_fitted_attributes_are_filled_only_into_fitted_objects():
    unfitted = _reload(_Child())
    assert not hasattr(unfitted, "table_")  # an unfitted pickle does not come back fitted
    fitted = _Child().fit()
    fitted.extra_ = 1
    old = _reload(fitted, "table_")
    assert old.table_ == []
    again = _reload(fitted, "table_")
    again.table_.append(1)
    assert old.table_ == [] and _Child.legacy_state()["table_"] == []  # no shared mutable value


def test_complete_pickles_and_sklearn_api_are_unchanged():
    model = _WithDefaults(a="x", c=5).fit()
    back = pickle.loads(pickle.dumps(model))
    assert back.__dict__ == model.__dict__
    assert back.get_params() == {"a": "x", "b": "default-b", "c": 5}
    assert clone(back).get_params() == back.get_params()
    assert is_fitted_name("coef_") and not is_fitted_name("__dunder__") and not is_fitted_name("a")
