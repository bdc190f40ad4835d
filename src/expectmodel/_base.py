"""The estimator contract shared by every model family.

An estimator is a scikit-learn :class:`~sklearn.base.BaseEstimator`: every setting is an explicit
``__init__`` keyword stored unchanged (so ``get_params``, ``set_params`` and ``clone`` work, nested
estimators included), ``__init__`` does no work, and ``fit(data)`` validates the settings first.
Settings are declared once, in ``_parameter_constraints``; a bad value raises
:class:`~expectmodel.errors.ParameterError` naming the parameter, the value and what is allowed.

Examples
--------
>>> from expectmodel._base import Estimator, Interval, OneOf
>>> class Shrink(Estimator):
...     _parameter_constraints = {"method": [OneOf("ridge", "lasso")],
...                               "alpha": [Interval(float, 0, None, closed="neither")]}
...     def __init__(self, method="ridge", alpha=1.0):
...         self.method = method
...         self.alpha = alpha
>>> Shrink(alpha=-1).validate_params()
Traceback (most recent call last):
...
expectmodel.errors.ParameterError: Shrink(alpha=-1): alpha must be a number in (0, inf); got -1.
"""

from __future__ import annotations

import functools
import math
import numbers
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from expectmodel.errors import ParameterError

__all__ = ["Estimator", "InstanceOf", "Interval", "OneOf", "Predicate", "resolve_seed"]


class _Constraint:
    """One allowed form of a parameter value."""

    def accepts(self, value: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class OneOf(_Constraint):
    """One of a closed set of values (strings, booleans, None...).

    Examples
    --------
    >>> OneOf("path", "centroid").describe()
    "one of 'path', 'centroid'"
    """

    def __init__(self, *values: Any) -> None:
        self.values = values
        try:  # (type, value) pairs: True is not 1, and "a" is not a 1-tuple
            self._pairs = frozenset((type(v), v) for v in values)
        except TypeError:  # unhashable options: compare one by one
            self._pairs = None

    def accepts(self, value: Any) -> bool:
        if self._pairs is not None:
            try:
                return (type(value), value) in self._pairs
            except TypeError:  # an unhashable value is none of the hashable options
                return False
        return any(value is v or (type(value) is type(v) and value == v) for v in self.values)

    def describe(self) -> str:
        return "one of " + ", ".join(map(repr, self.values))


@dataclass(frozen=True)
class Interval(_Constraint):
    """A real or integer number in an interval; ``None`` for an open end.

    Examples
    --------
    >>> Interval(int, 0, None).accepts(5), Interval(int, 0, None).accepts(2.5)
    (True, False)
    """

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"  # "both", "left", "right", "neither"

    def accepts(self, value: Any) -> bool:
        kind = type(value)
        if kind is int or (kind is float and self.kind is float):  # the common case, without ABC checks
            if kind is float and not math.isfinite(value):
                return False
        else:
            if isinstance(value, bool | np.bool_):
                return False
            if self.kind is int and not isinstance(value, numbers.Integral):
                return False
            if not isinstance(value, numbers.Real) or not np.isfinite(value):
                return False
        lo_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        hi_ok = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return bool(lo_ok and hi_ok)

    def describe(self) -> str:
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        what = "an integer" if self.kind is int else "a number"
        return f"{what} in {left}{low}, {high}{right}"


class InstanceOf(_Constraint):
    """An instance of one of the given types.

    Examples
    --------
    >>> InstanceOf(str).describe()
    'a str'
    """

    def __init__(self, *types: type, name: str | None = None) -> None:
        self.types = types
        self.name = name

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.types)

    def describe(self) -> str:
        return self.name or "a " + " or ".join(t.__name__ for t in self.types)


class Predicate(_Constraint):
    """Any value for which ``check(value)`` is true, described in words.

    Examples
    --------
    >>> Predicate(lambda v: len(v) == 2, "a (low, high) pair").accepts((1, 7))
    True
    """

    def __init__(self, check: Callable[[Any], bool], description: str) -> None:
        self.check = check
        self.description = description

    def accepts(self, value: Any) -> bool:
        try:
            return bool(self.check(value))
        except (TypeError, ValueError):
            return False

    def describe(self) -> str:
        return self.description


def _allowed(constraints: list[Any]) -> str:
    words = ["None" if c is None else c.describe() for c in constraints]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


class Estimator(BaseEstimator):
    """Base of every expectmodel estimator (scikit-learn's contract, expectmodel's errors).

    Subclasses list their settings as ``__init__`` keywords, store them unchanged, declare
    ``_parameter_constraints`` (``{name: [OneOf(...), Interval(...), InstanceOf(...), None]}``) and call
    :meth:`validate_params` first thing in ``fit``. A setting whose validity depends on another
    is checked in ``_check_params`` (override), which also raises :class:`ParameterError`.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {}

    @classmethod
    def _get_param_names(cls) -> list[str]:
        # scikit-learn inspects the __init__ signature on every get_params call (~0.1 ms); the names
        # of a class never change, so they are read once per class
        return list(_param_names(cls))

    def validate_params(self) -> None:
        """Check every setting against ``_parameter_constraints`` (and ``_check_params``).

        Raises
        ------
        ParameterError
            Naming the first bad parameter, its value and the allowed values.

        Examples
        --------
        >>> import expectmodel as em
        >>> em.PLS(em.spec.templates.ecsi(), bootstrap=-1).validate_params()
        Traceback (most recent call last):
        ...
        expectmodel.errors.ParameterError: PLS(bootstrap=-1): bootstrap must be one of 0 or an integer in [20, inf); got -1.
        """  # noqa: E501
        params = self.get_params(deep=False)
        for name, constraints in self._parameter_constraints.items():
            value = params[name]
            for c in constraints:  # a plain loop: this runs on every fit, and generators cost a microsecond
                if (value is None) if c is None else c.accepts(value):
                    break
            else:
                raise ParameterError(f"{type(self).__name__}({name}={value!r}): {name} must be "
                                     f"{_allowed(constraints)}; got {value!r}.")
        self._check_params()

    def _check_params(self) -> None:
        """Cross-parameter rules of a family (override); raise :class:`ParameterError`."""

    def _param_error(self, name: str, message: str) -> ParameterError:
        value = self.get_params(deep=False)[name]
        return ParameterError(f"{type(self).__name__}({name}={value!r}): {message}")

    def settings(self) -> dict[str, Any]:
        """Return every ``__init__`` parameter as JSON-ready values (what ``Meta.params`` records).

        Returns
        -------
        dict
            Parameter name to value; tuples become lists, a model its text.

        Examples
        --------
        >>> import expectmodel as em
        >>> em.PLS(em.spec.templates.ecsi(), scale=(1, 10)).settings()["scale"]
        [1, 10]
        """
        return {k: jsonable(v) for k, v in self.get_params(deep=False).items()}


def snapshot(value: Any) -> Any:
    """A copy of a setting that later in-place changes of the original cannot reach (lists become tuples).

    Examples
    --------
    >>> codes = [-99]
    >>> kept = snapshot({"codes": codes})
    >>> codes.append(99)
    >>> kept
    {'codes': (-99,)}
    """
    if isinstance(value, list | tuple):
        return tuple(snapshot(v) for v in value)
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    return value


@functools.cache
def _param_names(cls: type) -> tuple[str, ...]:
    return tuple(BaseEstimator._get_param_names.__func__(cls))


def resolve_seed(seed: int | np.integer | None) -> int:
    """The seed a run uses: ``seed`` itself, or a fresh one drawn from the OS when ``None``.

    Recording the resolved seed makes a ``seed=None`` run repeatable.

    Examples
    --------
    >>> resolve_seed(7)
    7
    >>> 0 <= resolve_seed(None) < 2**32
    True
    """
    if seed is None:
        return secrets.randbits(32)  # OS entropy, as numpy's SeedSequence() draws it
    return int(seed)


def jsonable(value: Any) -> Any:
    """A JSON-ready copy of a setting (tuples become lists, numpy scalars Python numbers, objects their text).

    Examples
    --------
    >>> jsonable({"scale": (1, 10), "codes": [np.int64(-99)]})
    {'scale': [1, 10], 'codes': [-99]}
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, numbers.Number):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_syntax"):
        return value.to_syntax()
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    if isinstance(value, BaseEstimator):
        return {"estimator": type(value).__name__, **{k: jsonable(v) for k, v in value.get_params(False).items()}}
    return repr(value)
