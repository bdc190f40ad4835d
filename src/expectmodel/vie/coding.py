"""VIE designs and their validated coding (METHODS §3).

Two designs are supported, both between-subject (one row per respondent):

- the **customer** form, M = sum_k E_k V_k: per outcome k a subjective probability that the firm delivers it
  (``expectancy``, a probability or a Likert scale read as one) and the outcome's valence (``valence``,
  bipolar with a true zero);
- **Vroom's** form, M = E * sum_k I_k V_k: one effort-to-performance expectancy, and per outcome an
  instrumentality (bipolar, -1..1 after coding) and a valence.

A product of two measures means something only when both have a true zero: shifting the origin of an
interval scale changes E * V by a multiple of the other factor, so a composite built on an arbitrary
origin ranks respondents differently under an equally valid coding (METHODS §3). The coding therefore
refuses, with the reason, an expectancy without a true zero (an interval or bipolar scale) and, for
the multiplicative and full forms, a valence without a declared neutral point.

Coded values: E in [0, 1] (a probability; a Likert expectancy is mapped linearly, lowest category 0,
highest 1), V = answer - zero, I = (answer - zero) / (high - zero) in [-1, 1].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from expectmodel.data import Scale, apply_missing, read_items
from expectmodel.data.schema import as_scale
from expectmodel.errors import DataError, SpecError

__all__ = ["FORMS", "VIEData", "VIEDesign", "check_coding", "read_vie"]

Form = Literal["additive", "multiplicative", "full"]
#: Model forms: additive (E and V, no product), multiplicative (the product only), full (both).
FORMS: tuple[str, ...] = ("additive", "multiplicative", "full")


def _as_map(value: object, what: str) -> dict[str, str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return None
    if not isinstance(value, Mapping) or not value:
        raise SpecError(f"{what} must be a non-empty mapping outcome -> column, e.g. {{'delivery': 'E_delivery'}}; "
                        f"got {value!r}.")
    out = {}
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise SpecError(f"{what}: outcomes and columns must be text; got {k!r}: {v!r}.")
        out[k] = v
    return out


def _mismatch(a: dict[str, str], b: dict[str, str], an: str, bn: str) -> SpecError:
    only_a = [k for k in a if k not in b]
    only_b = [k for k in b if k not in a]
    parts = []
    if only_a:
        parts.append(f"only in {an}: {', '.join(map(repr, only_a))}")
    if only_b:
        parts.append(f"only in {bn}: {', '.join(map(repr, only_b))}")
    return SpecError(f"The outcome lists of {an} and {bn} differ ({'; '.join(parts)}). Each outcome needs both "
                     "measures, under the same name; a product E_k * V_k pairs them by outcome.")


@dataclass(frozen=True)
class VIEDesign:
    """Which columns hold expectancies, instrumentalities and valences, and on which scales.

    Parameters
    ----------
    valence : mapping outcome -> column
        The valence of each outcome (how attractive it is to the respondent).
    expectancy : mapping outcome -> column, or str
        Customer form: per outcome, the subjective probability that the firm delivers it. Vroom's form:
        one column, the expectancy that effort leads to performance.
    instrumentality : mapping outcome -> column, optional
        Vroom's form only: per outcome, how far performance leads to it (bipolar).
    expectancy_scale, valence_scale, instrumentality_scale : Scale or (low, high)
        Declared answer scales (a bare pair is an interval scale). Defaults: probability 0-1, bipolar
        -3..3 with zero 0, bipolar -1..1 with zero 0.

    Returns
    -------
    VIEDesign
        Frozen; mismatched outcome lists raise :class:`~expectmodel.errors.SpecError` naming the outcomes.

    Examples
    --------
    >>> d = VIEDesign(expectancy={"delivery": "E_delivery", "price": "E_price"},
    ...               valence={"delivery": "V_delivery", "price": "V_price"})
    >>> d.kind, d.outcomes
    ('customer', ('delivery', 'price'))
    >>> VIEDesign(expectancy={"delivery": "E1"}, valence={"price": "V1"})
    Traceback (most recent call last):
    ...
    expectmodel.errors.SpecError: The outcome lists of expectancy and valence differ (only in expectancy: \
'delivery'; only in valence: 'price'). Each outcome needs both measures, under the same name; a product \
E_k * V_k pairs them by outcome.
    """

    valence: Mapping[str, str]
    expectancy: Mapping[str, str] | str
    instrumentality: Mapping[str, str] | None = None
    expectancy_scale: Scale | tuple[float, float] = field(default_factory=lambda: Scale(0, 1, "probability"))
    valence_scale: Scale | tuple[float, float] = field(default_factory=lambda: Scale(-3, 3, "bipolar", zero=0))
    instrumentality_scale: Scale | tuple[float, float] = field(
        default_factory=lambda: Scale(-1, 1, "bipolar", zero=0))

    def __post_init__(self) -> None:
        val = _as_map(self.valence, "valence")
        if val is None:
            raise SpecError(f"valence must be a mapping outcome -> column; got {self.valence!r}.")
        exp = _as_map(self.expectancy, "expectancy")
        ins = _as_map(self.instrumentality, "instrumentality")
        if exp is None and not isinstance(self.expectancy, str):
            raise SpecError(f"expectancy must be a mapping outcome -> column (customer form) or one column name "
                            f"(Vroom's form); got {self.expectancy!r}.")
        if exp is not None:
            if ins is not None:
                raise SpecError("instrumentality belongs to Vroom's form, whose expectancy is one column (effort -> "
                                "performance); with per-outcome expectancies (the customer form) leave it out.")
            if list(exp) != list(val):
                if set(exp) != set(val):
                    raise _mismatch(exp, val, "expectancy", "valence")
                exp = {k: exp[k] for k in val}  # same outcomes, valence's order
        else:
            if ins is None:
                raise SpecError("Vroom's form (one expectancy column) needs instrumentality={outcome: column}; for the "
                                "customer form give expectancy={outcome: column}.")
            if set(ins) != set(val):
                raise _mismatch(ins, val, "instrumentality", "valence")
            ins = {k: ins[k] for k in val}
        object.__setattr__(self, "valence", val)
        object.__setattr__(self, "expectancy", exp if exp is not None else self.expectancy)
        object.__setattr__(self, "instrumentality", ins)
        for name in ("expectancy_scale", "valence_scale", "instrumentality_scale"):
            object.__setattr__(self, name, as_scale(getattr(self, name), where=name))
        cols = self.columns
        dup = sorted({c for c in cols if cols.count(c) > 1})
        if dup:
            raise SpecError(f"Column(s) {', '.join(map(repr, dup))} are used for more than one measure; each measure "
                            "needs its own column.")

    @classmethod
    def from_outcomes(cls, outcomes: list[str] | tuple[str, ...], *, expectancy: str = "E_{outcome}",
                      valence: str = "V_{outcome}", instrumentality: str | None = None,
                      effort: str | None = None, **scales: Any) -> VIEDesign:
        """Build a design from outcome names and column-name patterns.

        Parameters
        ----------
        outcomes : sequence of str
            The outcomes.
        expectancy, valence : str
            Column patterns with ``{outcome}``.
        instrumentality : str, optional
            Pattern of the instrumentality columns (Vroom's form; then ``effort`` names the expectancy).
        effort : str, optional
            The one expectancy column of Vroom's form.
        **scales
            ``expectancy_scale``, ``valence_scale``, ``instrumentality_scale``.

        Returns
        -------
        VIEDesign

        Examples
        --------
        >>> VIEDesign.from_outcomes(["price", "service"]).expectancy
        {'price': 'E_price', 'service': 'E_service'}
        """
        val = {o: valence.format(outcome=o) for o in outcomes}
        if instrumentality is not None:
            return cls(val, effort or "E", {o: instrumentality.format(outcome=o) for o in outcomes}, **scales)
        return cls(val, {o: expectancy.format(outcome=o) for o in outcomes}, **scales)

    @property
    def kind(self) -> str:
        """``"customer"`` (M = sum E_k V_k) or ``"vroom"`` (M = E sum I_k V_k)."""
        return "vroom" if self.instrumentality is not None else "customer"

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The outcomes, in order."""
        return tuple(self.valence)

    @property
    def expectancy_columns(self) -> tuple[str, ...]:
        """The expectancy column(s): one per outcome (customer form) or one (Vroom's form)."""
        return (self.expectancy,) if isinstance(self.expectancy, str) else tuple(self.expectancy.values())

    @property
    def columns(self) -> list[str]:
        """Every column the design reads: expectancies, instrumentalities, valences."""
        ins = list(self.instrumentality.values()) if self.instrumentality else []
        return [*self.expectancy_columns, *ins, *self.valence.values()]

    def to_dict(self) -> dict[str, Any]:
        """Return the design as JSON-ready values.

        Returns
        -------
        dict

        Examples
        --------
        >>> VIEDesign.from_outcomes(["price"]).to_dict()["valence_scale"]
        {'low': -3.0, 'high': 3.0, 'kind': 'bipolar', 'zero': 0.0}
        """
        def sc(s: Scale) -> dict[str, Any]:
            return {"low": s.low, "high": s.high, "kind": s.kind, "zero": s.zero}

        return {"kind": self.kind, "valence": dict(self.valence),
                "expectancy": self.expectancy if isinstance(self.expectancy, str) else dict(self.expectancy),
                "instrumentality": None if self.instrumentality is None else dict(self.instrumentality),
                "expectancy_scale": sc(self.expectancy_scale), "valence_scale": sc(self.valence_scale),
                "instrumentality_scale": sc(self.instrumentality_scale)}

    def coding(self, form: str = "full") -> dict[str, Any]:
        """Check that the scales support ``form`` and return the coding (offsets and spans) in words and numbers.

        Parameters
        ----------
        form : {"additive", "multiplicative", "full"}
            The model form; the product needs a true zero in both factors.

        Returns
        -------
        dict
            ``expectancy``, ``valence``, ``instrumentality``: each ``{"origin", "span", "text"}``; a coded
            value is ``(answer - origin) / span``.

        Raises
        ------
        SpecError
            A scale under which the product is meaningless, with the reason and what to declare instead.

        Examples
        --------
        >>> d = VIEDesign.from_outcomes(["price"], valence_scale=(1, 7))
        >>> d.coding("additive")["valence"]["origin"]
        0.0
        >>> d.coding("full")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        expectmodel.errors.SpecError: The valence scale 1-7 has no declared zero, so E * V is meaningless: ...
        """
        return check_coding(self, form)


def check_coding(design: VIEDesign, form: str = "full") -> dict[str, Any]:
    """Validate the scales of ``design`` for ``form`` and return the coding (see :meth:`VIEDesign.coding`).

    Parameters
    ----------
    design : VIEDesign
        The design.
    form : {"additive", "multiplicative", "full"}
        The model form.

    Returns
    -------
    dict
        The coding of each measure: ``origin``, ``span`` and a sentence.

    Examples
    --------
    >>> check_coding(VIEDesign.from_outcomes(["price"]))["expectancy"]["text"]
    'probability 0-1: E = answer'
    """
    if form not in FORMS:
        raise SpecError(f"form must be one of {', '.join(map(repr, FORMS))}; got {form!r}.")
    product = form != "additive"
    es, vs = design.expectancy_scale, design.valence_scale
    out: dict[str, Any] = {}
    # expectancy: a probability, or a Likert scale read as one
    if es.kind == "probability":
        out["expectancy"] = {"origin": 0.0, "span": es.high,
                             "text": f"probability 0-{es.high:g}: E = answer" + (" / 100" if es.high == 100 else "")}
    elif es.kind == "likert":
        out["expectancy"] = {"origin": es.low, "span": es.high - es.low,
                             "text": f"likert {es.describe()} read as a probability: E = (answer - {es.low:g}) / "
                                     f"{es.high - es.low:g} (lowest category 'certainly not' = 0, highest "
                                     "'certainly' = 1)"}
    elif product:
        why = ("an expectancy is a probability and cannot be negative" if es.kind == "bipolar"
               else "its origin is arbitrary")
        raise SpecError(
            f"The expectancy scale {es.describe()} ({es.kind}) has no true zero ({why}), so E * V is meaningless: "
            "moving the origin of E adds a multiple of V to the product and changes who ranks highest. Declare "
            "expectancies as probabilities (Scale(0, 1, 'probability') or (0, 100)) or as a Likert scale whose lowest "
            "category means 'certainly not', or fit form='additive'.")
    else:
        out["expectancy"] = {"origin": 0.0, "span": 1.0, "text": f"{es.kind} {es.describe()}: E = answer"}
    # valence: bipolar with a declared neutral point
    if vs.kind == "bipolar":
        out["valence"] = {"origin": vs.zero, "span": 1.0,
                          "text": f"bipolar {vs.low:g}..{vs.high:g}: V = answer - {vs.zero:g} (the declared neutral "
                                  "point is the true zero)"}
    elif product:
        raise SpecError(
            f"The valence scale {vs.describe()} has no declared zero, so E * V is meaningless: a product needs a "
            "true zero (an outcome the respondent is indifferent to must add nothing), and on a scale without one "
            "shifting the origin changes the product nonlinearly (METHODS §3). Declare the neutral point, e.g. "
            f"valence_scale=Scale({vs.low:g}, {vs.high:g}, 'bipolar', zero=...), or fit form='additive'.")
    else:
        out["valence"] = {"origin": 0.0, "span": 1.0, "text": f"{vs.kind} {vs.describe()}: V = answer"}
    if design.instrumentality is not None:
        s = design.instrumentality_scale
        if s.kind != "bipolar" or not np.isclose(s.high - s.zero, s.zero - s.low):
            raise SpecError(
                f"The instrumentality scale {s.describe()} must be bipolar and symmetric about its zero: Vroom's I_k "
                "runs from -1 (performance prevents outcome k) through 0 (unrelated) to +1 (performance brings it). "
                "Declare e.g. Scale(-3, 3, 'bipolar', zero=0).")
        out["instrumentality"] = {"origin": s.zero, "span": s.high - s.zero,
                                  "text": f"bipolar {s.low:g}..{s.high:g}: I = (answer - {s.zero:g}) / "
                                          f"{s.high - s.zero:g}, in [-1, 1]"}
    return out


@dataclass(frozen=True, eq=False)
class VIEData:
    """Coded VIE measures of the respondents kept (read by :func:`read_vie`).

    Parameters
    ----------
    design : VIEDesign
        The design read.
    expectancy : ndarray (n, K) or (n, 1)
        Coded expectancies in [0, 1].
    valence : ndarray (n, K)
        Coded valences (answer - zero).
    instrumentality : ndarray (n, K) or None
        Coded instrumentalities in [-1, 1] (Vroom's form).
    index : Index
        Row labels of the respondents kept.
    n_input : int
        Rows read.
    dropped : Index
        Rows dropped (missing answers, listwise).
    coding : dict
        :func:`check_coding`'s coding.

    Returns
    -------
    VIEData

    Examples
    --------
    >>> import pandas as pd
    >>> d = VIEDesign.from_outcomes(["a", "b"])
    >>> frame = pd.DataFrame({"E_a": [.2, .9, .5], "E_b": [.5, .4, 1], "V_a": [3, -1, 0], "V_b": [0, 2, 1]})
    >>> read_vie(frame, d).scores()["motivation"].round(2).tolist()
    [0.6, -0.1, 1.0]
    """

    design: VIEDesign
    expectancy: np.ndarray
    valence: np.ndarray
    instrumentality: np.ndarray | None
    index: pd.Index
    n_input: int
    dropped: pd.Index
    coding: Mapping[str, Any]

    @property
    def n(self) -> int:
        """Respondents kept."""
        return self.valence.shape[0]

    def scores(self) -> pd.DataFrame:
        """Return the composite scores: ``expectancy``, ``valence`` and ``motivation`` per respondent.

        Customer form: mean E_k, mean V_k and M = sum_k E_k V_k. Vroom's form: E, sum_k I_k V_k and
        M = E * sum_k I_k V_k.

        Returns
        -------
        pandas.DataFrame
        """
        return pd.DataFrame(composite(self.expectancy, self.valence, self.instrumentality), index=self.index,
                            columns=["expectancy", "valence", "motivation"])


def composite(e: np.ndarray, v: np.ndarray, i: np.ndarray | None) -> np.ndarray:
    """(n, 3): the expectancy and valence factors and their product, from coded arrays."""
    if i is None:
        return np.column_stack([e.mean(axis=1), v.mean(axis=1), (e * v).sum(axis=1)])
    iv = (i * v).sum(axis=1)
    return np.column_stack([e[:, 0], iv, e[:, 0] * iv])


def _no_variance(x: np.ndarray, columns: list[str], owner: dict[str, str]) -> None:
    for j, c in enumerate(columns):
        col = x[:, j]
        col = col[np.isfinite(col)]
        if col.size and np.ptp(col) == 0:
            raise DataError(
                f"Column '{c}' ({owner[c]}) has no variance: every respondent answered {col[0]:g}. A measure that "
                "does not vary cannot separate E, V and E * V (its product is a multiple of the other factor, so the "
                "terms are collinear). Drop the outcome from the design, or collect data where it varies.")


def read_vie(frame: pd.DataFrame, design: VIEDesign, *, form: str = "full", missing: str = "raise",
             missing_values: Any = (), extra: tuple[str, ...] = ()) -> VIEData:
    """Read and code the VIE measures of ``frame`` through the data layer.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent.
    design : VIEDesign
        Columns and scales.
    form : {"additive", "multiplicative", "full"}
        The model form (the product's codings are checked).
    missing : {"raise", "listwise"}
        Missing-answer policy (listwise drops a respondent with any missing measure).
    missing_values : number or sequence
        Codes meaning "no answer".
    extra : tuple of str
        Further numeric columns read with the same policy (a criterion); returned in ``coding["extra"]``.

    Returns
    -------
    VIEData

    Raises
    ------
    DataError
        Probabilities outside [0, 1] (or the declared scale), a measure with no variance, missing answers
        under ``missing="raise"``, unknown columns.
    SpecError
        A coding under which the product is meaningless.

    Examples
    --------
    >>> import pandas as pd
    >>> d = VIEDesign.from_outcomes(["a"])
    >>> read_vie(pd.DataFrame({"E_a": [0.5, 1.3, 0.2], "V_a": [1, 2, 0]}), d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expectmodel.errors.DataError: Column 'E_a' (expectancy of 'a') has 1 value(s) outside the declared 0-1 \
probability scale; first at row 1 (value 1.3). ...
    """
    coding = check_coding(design, form)
    owner: dict[str, str] = {}
    scales: dict[str, Scale | None] = {}
    exp_cols = list(design.expectancy_columns)
    if design.kind == "customer":
        for o, c in design.expectancy.items():  # type: ignore[union-attr]
            owner[c] = f"expectancy of '{o}'"
    else:
        owner[design.expectancy] = "expectancy effort -> performance"  # type: ignore[index]
    for c in exp_cols:
        scales[c] = design.expectancy_scale
    ins_cols = list(design.instrumentality.values()) if design.instrumentality else []
    for o, c in (design.instrumentality or {}).items():
        owner[c], scales[c] = f"instrumentality of '{o}'", design.instrumentality_scale
    for o, c in design.valence.items():
        owner[c], scales[c] = f"valence of '{o}'", design.valence_scale
    extra = tuple(extra)
    for c in extra:
        owner[c], scales[c] = "criterion", None
    cols = [*exp_cols, *ins_cols, *design.valence.values(), *extra]
    items = read_items(frame, cols, scales=scales, missing_values=missing_values, owner=owner)
    if missing not in ("raise", "listwise"):
        raise DataError(f"missing must be 'raise' or 'listwise'; got {missing!r}.")
    items = apply_missing(items, missing)
    x = np.asarray(items.values)
    if x.shape[0] < 3:
        raise DataError(f"Only {x.shape[0]} respondent(s) with complete answers; a VIE model needs several.")
    _no_variance(x[:, : len(cols) - len(extra)], cols[: len(cols) - len(extra)], owner)
    ne, ni = len(exp_cols), len(ins_cols)
    ce, cv = coding["expectancy"], coding["valence"]
    e = (x[:, :ne] - ce["origin"]) / ce["span"]
    i = None
    if ni:
        ci = coding["instrumentality"]
        i = (x[:, ne:ne + ni] - ci["origin"]) / ci["span"]
    v = (x[:, ne + ni:ne + ni + len(design.valence)] - cv["origin"]) / cv["span"]
    coding = dict(coding)
    coding["extra"] = {c: x[:, len(cols) - len(extra) + j] for j, c in enumerate(extra)}
    return VIEData(design, e, v, i, items.index, items.n_rows_in, items.missing.dropped, coding)
