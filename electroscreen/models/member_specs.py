"""The checks every member spec of a composite estimator shares (``averaged``'s members,
``gated``'s ``near`` and ``far``): a mapping, of known keys only, naming an estimator it may hold.

What else a spec says (featurizers and weight, feature columns) each composite checks itself
(:func:`~electroscreen.models.averaged.check_members`,
:func:`~electroscreen.models.gated.check_gated`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

__all__ = ["check_member_spec"]


def check_member_spec(
    where: str, spec: object, keys: Collection[str], allowed: Sequence[str]
) -> Mapping:
    """``spec`` if it is a mapping with only ``keys`` whose ``estimator`` is one of ``allowed``.

    Parameters
    ----------
    where : str
        How messages name the member (``averaged: member 1``, ``gated: near``).
    spec : object
        The member spec as read from the config.
    keys : collection of str
        The keys a spec may have.
    allowed : sequence of str
        The estimator names it may hold.

    Raises
    ------
    ValueError
        ``<where> must be a mapping``, ``<where>: unknown keys [...]; allowed [...]`` or
        ``<where>: estimator must be one of (...): <name>``.

    Examples
    --------
    >>> check_member_spec("gated: far", {"estimator": "logistic"}, {"estimator"}, ("logistic",))
    {'estimator': 'logistic'}
    """
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where} must be a mapping, got {type(spec).__name__}")
    unknown = set(spec) - set(keys)
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; allowed {sorted(keys)}")
    name = spec.get("estimator")
    if name not in allowed:
        raise ValueError(f"{where}: estimator must be one of {tuple(allowed)}: {name!r}")
    return spec
