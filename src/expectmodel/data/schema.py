"""Answer scales: what a valid answer looks like for each column."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from expectmodel.errors import SpecError

if TYPE_CHECKING:
    from expectmodel.spec import Model

__all__ = ["KINDS", "Scale", "ScaleLike", "as_scale", "resolve_scale", "scales_for_model"]

Kind = Literal["likert", "interval", "probability", "bipolar", "count"]
KINDS: tuple[str, ...] = ("likert", "interval", "probability", "bipolar", "count")


@dataclass(frozen=True)
class Scale:
    """The declared answer scale of a column.

    Parameters
    ----------
    low, high : float
        The lowest and highest possible answer. ``high`` may be ``inf`` for a count.
    kind : {"likert", "interval", "probability", "bipolar", "count"}
        ``likert``: whole answer categories ``low..high``; ``interval``: any number in the range;
        ``probability``: ``[0, 1]`` or ``[0, 100]``; ``bipolar``: a range with a declared neutral
        ``zero`` inside it (e.g. valence -3..3); ``count``: whole numbers from ``low >= 0``.
    zero : float, optional
        The neutral point of a bipolar scale (required there, refused elsewhere).

    Returns
    -------
    Scale
        A frozen, validated scale; invalid declarations raise :class:`~expectmodel.errors.SpecError`.

    Examples
    --------
    >>> Scale(1, 7)
    Scale(low=1.0, high=7.0, kind='likert', zero=None)
    >>> Scale(-3, 3, "bipolar", zero=0).describe()
    '-3-3 bipolar (zero 0)'
    >>> Scale(1, 7).categories
    7
    """

    low: float
    high: float
    kind: Kind = "likert"
    zero: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise SpecError(f"scale kind must be one of {', '.join(map(repr, KINDS))}; got {self.kind!r}.")
        try:
            low, high = float(self.low), float(self.high)
        except (TypeError, ValueError):
            raise SpecError(f"scale ends must be numbers, got ({self.low!r}, {self.high!r}).") from None
        if math.isnan(low) or math.isnan(high) or math.isinf(low) or (math.isinf(high) and self.kind != "count"):
            raise SpecError(f"scale ends must be finite numbers (only a count may have high=inf), "
                            f"got ({self.low!r}, {self.high!r}).")
        if not low < high:
            raise SpecError(f"scale: the low end {low:g} must be below the high end {high:g}.")
        if self.kind == "likert" and not (low.is_integer() and high.is_integer()):
            raise SpecError(f"a likert scale has whole answer categories; got ({low:g}, {high:g}).")
        if self.kind == "probability" and (low, high) not in ((0.0, 1.0), (0.0, 100.0)):
            raise SpecError(f"a probability scale is (0, 1) or (0, 100); got ({low:g}, {high:g}).")
        if self.kind == "count" and (low < 0 or not low.is_integer()):
            raise SpecError(f"a count scale starts at a whole number >= 0; got low={low:g}.")
        zero = self.zero
        if self.kind == "bipolar":
            if zero is None:
                raise SpecError("a bipolar scale needs its neutral point: pass zero=, e.g. Scale(-3, 3, 'bipolar', "
                                "zero=0).")
            zero = float(zero)
            if not low < zero < high:
                raise SpecError(f"the zero {zero:g} of a bipolar scale must lie inside ({low:g}, {high:g}).")
        elif zero is not None:
            raise SpecError(f"zero= is for bipolar scales only; this one is {self.kind!r}.")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "zero", zero)

    @property
    def whole(self) -> bool:
        """Answers must be whole numbers (likert categories or counts)."""
        return self.kind in ("likert", "count")

    @property
    def categories(self) -> int | None:
        """Number of answer categories of a likert scale (None otherwise)."""
        return int(self.high - self.low) + 1 if self.kind == "likert" else None

    def describe(self) -> str:
        """Describe the scale in short text for messages, e.g. ``'1-7'`` or ``'0-1 probability'``.

        Returns
        -------
        str
        """
        text = f"{self.low:g}-{self.high:g}"
        if self.kind in ("likert", "interval"):
            return text
        if self.kind == "bipolar":
            return f"{text} bipolar (zero {self.zero:g})"
        return f"{text} {self.kind}"


ScaleLike = Scale | tuple[float, float]


def as_scale(value: object, *, kind: Kind = "interval", where: str = "scale") -> Scale | None:
    """Make a :class:`Scale` from a Scale, a ``(low, high)`` pair (of ``kind``) or None.

    Parameters
    ----------
    value : Scale, (low, high) or None
        The declaration.
    kind : str
        The kind given to a bare pair (PLS reads pairs as interval scales, the latent design as likert).
    where : str
        How the declaration is named in an error, e.g. ``"scale['Q']"``.

    Returns
    -------
    Scale or None

    Examples
    --------
    >>> as_scale((1, 10))
    Scale(low=1.0, high=10.0, kind='interval', zero=None)
    """
    if value is None or isinstance(value, Scale):
        return value
    try:
        low, high = value  # type: ignore[misc]
        return Scale(low, high, kind)
    except SpecError as err:
        raise SpecError(f"{where}: {err}") from None
    except (TypeError, ValueError):
        raise SpecError(f"{where} must be a (low, high) pair such as (1, 10) or a Scale, got {value!r}.") from None


def scales_for_model(model: Model, scale: object) -> tuple[Scale | None, ...]:
    """One scale per indicator of ``model`` from a global declaration or a ``{construct: scale}`` map."""
    if isinstance(scale, Mapping):
        unknown = sorted(set(scale) - set(model.names))
        if unknown:
            raise SpecError(f"scale names unknown construct(s) {', '.join(map(repr, unknown))}; "
                            f"the model has {', '.join(model.names)}.")
        out: list[Scale | None] = []
        for c in model.constructs:
            s = as_scale(scale.get(c.name), where=f"scale['{c.name}']")
            out.extend([s] * len(c.indicators))
        return tuple(out)
    s = as_scale(scale)
    return (s,) * len(model.indicators)


def resolve_scale(model: Model, scale: object) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-indicator scale ends (NaN where none is declared) from a global or per-construct declaration.

    Parameters
    ----------
    model : Model
        The specification whose indicators are scaled.
    scale : Scale, (low, high), {construct: Scale or (low, high)} or None
        The declaration; bare pairs are interval scales.

    Returns
    -------
    low, high : ndarray
        One entry per indicator, in the model's indicator order.

    Examples
    --------
    >>> import expectmodel as em
    >>> m = em.Model.from_syntax("Q =~ q1 + q2\nS =~ s1\nS ~ Q")
    >>> resolve_scale(m, {"Q": (1, 7)})[1].tolist()
    [7.0, 7.0, nan]
    """
    scales = scales_for_model(model, scale)
    low = np.array([np.nan if s is None else s.low for s in scales])
    high = np.array([np.nan if s is None else s.high for s in scales])
    return low, high
