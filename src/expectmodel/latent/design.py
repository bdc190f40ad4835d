"""Declare an expectation / perception survey and check data against it.

A :class:`Design` says which items belong to which service-quality dimension,
which batteries were asked (E expectation, P perception, D desired, A adequate),
the answer scale, and the optional respondent-level columns (overall
satisfaction, drivers of expectations, customer stage, importance points).
:meth:`Design.prepare` turns a wide or long DataFrame into a validated
:class:`SurveyData`, the one input of classical scoring and of the Bayesian
latent-expectation model.

Every problem is reported with the column, row, item or stage it concerns:
an item declared in two dimensions, a battery with items missing, an answer
outside the scale or not a whole category, a battery in which every answer is
identical, a stage without respondents, a driver with missing values.
Missing-value codes become NaN *before* any check, so a code is never read as
an answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from expectmodel.data import Scale, read_items
from expectmodel.data import _messages as msg
from expectmodel.data.read import parse_codes
from expectmodel.errors import DataError, SpecError
from expectmodel.latent._design_read import fmt_rows, read_stages, rescale_probabilities, widen_long

__all__ = ["BATTERIES", "SERVQUAL_DIMENSIONS", "Design", "SurveyData", "servqual_design"]

#: Battery codes and what they measure (METHODS §2).
BATTERIES: dict[str, str] = {
    "E": "expectation (what the firm will/should deliver)",
    "P": "perception (what the firm delivered)",
    "D": "desired service level",
    "A": "adequate (minimum acceptable) service level",
    "M": "management's perception of customers' expectations (provider side, SERVQUAL gap 1)",
    "S": "service standards set by the provider, on the same items (gap 2)",
    "V": "service delivered as measured by the provider (audits, employees; gap 3)",
    "C": "service promised in external communications (gap 4)",
}

#: The SERVQUAL 22-item layout (Parasuraman, Zeithaml & Berry 1988).
SERVQUAL_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "tangibles": tuple(f"q{j}" for j in range(1, 5)),
    "reliability": tuple(f"q{j}" for j in range(5, 10)),
    "responsiveness": tuple(f"q{j}" for j in range(10, 14)),
    "assurance": tuple(f"q{j}" for j in range(14, 18)),
    "empathy": tuple(f"q{j}" for j in range(18, 23)),
}


@dataclass(frozen=True)
class Design:
    """The layout of an expectation / perception survey.

    Parameters
    ----------
    dimensions : mapping of str to sequence of str
        Dimension name -> item ids. An item may belong to one dimension only.
    batteries : mapping of str to str or mapping
        Battery code (``"E"``, ``"P"``, ``"D"``, ``"A"``) -> either a column-name
        pattern with ``{item}`` (e.g. ``"E_{item}"``) or a mapping item -> column.
    scale : (int, int)
        Lowest and highest answer category of every battery, e.g. ``(1, 7)``.
    satisfaction : sequence of str, optional
        Overall-satisfaction columns (ordinal), the outcome of the satisfaction link.
    satisfaction_scale : (int, int), optional
        Their scale; defaults to ``scale``.
    drivers : sequence of str, optional
        Numeric respondent-level columns that may shape expectations (word of
        mouth, promises seen, tenure, needs, price paid, ...).
    stage : str, optional
        Column holding the customer stage.
    stages : sequence of str, optional
        The stages in their natural order. Every declared stage must have
        respondents. Defaults to the sorted values found.
    no_perception : sequence of str
        Stages whose respondents were, by design, not asked the P battery
        (e.g. ``("never used",)``). Their P answers must be empty.
    importance : mapping of str to str, optional
        Dimension -> column of the 100-point importance allocation used for
        weighted SERVQUAL scores.
    respondent : str, optional
        Respondent id column (required for long data; optional for wide data,
        where the index is used).
    probability : sequence of str
        Batteries answered as subjective probabilities (``"will the firm deliver
        this?"``, 0-1 or 0-100) instead of on the Likert scale: only ``("E",)``.
        They get a Beta measurement model (METHODS §2.1).
    probability_max : float
        The top of the probability answers: 1 (default) or 100 (percent).

    Attributes
    ----------
    columns : dict of str to dict of str to str
        Battery -> item -> column name, resolved from ``batteries``.

    Examples
    --------
    >>> from expectmodel.latent import Design
    >>> design = Design(dimensions={"speed": ("q1", "q2"), "care": ("q3", "q4")},
    ...                 batteries={"E": "E_{item}", "P": "P_{item}"}, scale=(1, 5))
    >>> design.items, design.n_categories
    (('q1', 'q2', 'q3', 'q4'), 5)
    >>> design.item_dimension
    array([0, 0, 1, 1])
    >>> design.columns["P"]["q3"]
    'P_q3'
    >>> Design(dimensions={"a": ("q1",), "b": ("q1",)}, batteries={"E": "E_{item}"}, scale=(1, 5))
    Traceback (most recent call last):
    ...
    expectmodel.errors.SpecError: item 'q1' is declared in two dimensions, 'a' and 'b'; an item measures \
one dimension only.
    """

    dimensions: Mapping[str, Sequence[str]]
    batteries: Mapping[str, str | Mapping[str, str]]
    scale: tuple[int, int]
    satisfaction: Sequence[str] = ()
    satisfaction_scale: tuple[int, int] | None = None
    drivers: Sequence[str] = ()
    stage: str | None = None
    stages: Sequence[str] | None = None
    no_perception: Sequence[str] = ()
    importance: Mapping[str, str] | None = None
    respondent: str | None = None
    probability: Sequence[str] = ()
    probability_max: float = 1.0
    columns: dict[str, dict[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        dims = {str(d): tuple(map(str, items)) for d, items in dict(self.dimensions).items()}
        if not dims:
            raise SpecError("dimensions is empty: declare at least one dimension with its items.")
        owner: dict[str, str] = {}
        for d, items in dims.items():
            if not items:
                raise SpecError(f"dimension {d!r} has no items; give it at least one item or remove it.")
            for it in items:
                if it in owner:
                    raise SpecError(f"item {it!r} is declared in two dimensions, {owner[it]!r} and {d!r}; "
                                    "an item measures one dimension only.")
                owner[it] = d
        object.__setattr__(self, "dimensions", dims)

        if not self.batteries:
            raise SpecError("batteries is empty: give at least the E or P battery, e.g. {'E': 'E_{item}'}.")
        cols: dict[str, dict[str, str]] = {}
        for b, how in dict(self.batteries).items():
            if b not in BATTERIES:
                raise SpecError(f"unknown battery {b!r}; use {', '.join(BATTERIES)} "
                                f"({'; '.join(f'{k}: {v}' for k, v in BATTERIES.items())}).")
            if isinstance(how, str):
                if "{item}" not in how:
                    raise SpecError(f"battery {b!r}: the column pattern {how!r} must contain '{{item}}'.")
                cols[b] = {it: how.format(item=it) for it in owner}
            else:
                how = {str(k): str(v) for k, v in dict(how).items()}
                extra = sorted(set(how) - set(owner))
                if extra:
                    raise SpecError(f"battery {b!r} maps unknown item(s) {', '.join(map(repr, extra))}; "
                                    "declare them in dimensions first.")
                cols[b] = how
        order = [b for b in BATTERIES if b in cols]
        object.__setattr__(self, "batteries", {b: dict(self.batteries)[b] for b in order})
        object.__setattr__(self, "columns", {b: cols[b] for b in order})
        if "P" not in cols and "E" not in cols:
            raise SpecError("the design needs an E (expectation) or P (perception) battery.")

        for name, sc in (("scale", self.scale), ("satisfaction_scale", self.satisfaction_scale)):
            if sc is None:
                continue
            try:
                lo, hi = (int(v) for v in sc)
            except (TypeError, ValueError):
                raise SpecError(f"{name} must be a pair of whole numbers such as (1, 7), got {sc!r}.") from None
            if lo != sc[0] or hi != sc[1] or not hi - lo >= 1:
                raise SpecError(f"{name} must be whole categories with low < high, got {sc!r}.")
            object.__setattr__(self, name, (lo, hi))
        if self.satisfaction_scale is None:
            object.__setattr__(self, "satisfaction_scale", self.scale)
        object.__setattr__(self, "satisfaction", tuple(self.satisfaction))
        object.__setattr__(self, "drivers", tuple(self.drivers))
        object.__setattr__(self, "no_perception", tuple(self.no_perception))
        if self.stages is not None:
            object.__setattr__(self, "stages", tuple(map(str, self.stages)))
        if (self.stages is not None or self.no_perception) and self.stage is None:
            raise SpecError("stages/no_perception were given but stage= names no column.")
        object.__setattr__(self, "probability", tuple(self.probability))
        if set(self.probability) - {"E"} or ("E" in self.probability and "E" not in cols):
            raise SpecError(f"probability={self.probability!r}: only the E battery can be stated as "
                            "probabilities, and the design must have it.")
        if self.probability_max not in (1, 100):
            raise SpecError(f"probability_max must be 1 or 100, got {self.probability_max!r}.")
        if self.importance is not None:
            imp = dict(self.importance)
            unknown = sorted(set(imp) - set(dims))
            if unknown:
                raise SpecError(f"importance names unknown dimension(s) {', '.join(map(repr, unknown))}.")
            object.__setattr__(self, "importance", imp)

    # ------------------------------------------------------------------ layout
    @property
    def items(self) -> tuple[str, ...]:
        """All item ids, dimension by dimension in declaration order."""
        return tuple(it for items in self.dimensions.values() for it in items)

    @property
    def item_dimension(self) -> np.ndarray:
        """Dimension index of each item, in :attr:`items` order."""
        return np.repeat(np.arange(len(self.dimensions)), [len(v) for v in self.dimensions.values()])

    @property
    def n_categories(self) -> int:
        """Number of answer categories K of the (Likert) scale."""
        return self.scale[1] - self.scale[0] + 1

    def to_dict(self) -> dict:
        """Return the design as plain, JSON-ready Python values (recorded in a fit's ``meta``).

        Returns
        -------
        dict
            Every setting, with ``batteries`` resolved to battery -> item -> column name.

        Examples
        --------
        >>> design = servqual_design(scale=(1, 5))
        >>> d = design.to_dict()
        >>> d["scale"], d["batteries"]["P"]["q22"]
        ([1, 5], 'P_q22')
        """
        return {
            "dimensions": {d: list(v) for d, v in self.dimensions.items()},
            "batteries": self.columns,
            "scale": list(self.scale),
            "satisfaction": list(self.satisfaction),
            "satisfaction_scale": list(self.satisfaction_scale),
            "drivers": list(self.drivers),
            "stage": self.stage,
            "stages": None if self.stages is None else list(self.stages),
            "no_perception": list(self.no_perception),
            "importance": self.importance,
            "respondent": self.respondent,
            "probability": list(self.probability),
            "probability_max": self.probability_max,
        }

    # ------------------------------------------------------------------ data
    def prepare(
        self,
        data: pd.DataFrame,
        *,
        missing_values: float | Iterable[float] = (),
        format: Literal["wide", "long"] = "wide",
        item: str = "item",
        battery: str = "battery",
        answer: str = "answer",
    ) -> SurveyData:
        """Validate ``data`` against the design.

        Wide data hold one column per item per battery (see ``batteries``).
        Long data hold one row per answer with columns ``respondent``
        (the design's id column), ``item``, ``battery`` and ``answer``;
        respondent-level columns (satisfaction, drivers, stage, importance)
        must then be constant within a respondent.

        The answers are read through the shared data layer
        (:func:`expectmodel.data.read_items`, :func:`~expectmodel.data.read_grouping`,
        :func:`~expectmodel.data.widen`), so a problem gets the same message as in every other
        family. ``missing_values`` is one code (``-99``) or several; they become NaN first.

        Parameters
        ----------
        data : pandas.DataFrame
            The answers, wide (default) or long.
        missing_values : float or iterable of float
            Codes that mean "no answer"; they become NaN before any check.
        format : {"wide", "long"}
            The layout of ``data``.
        item, battery, answer : str
            Long data only: the columns holding the item id, the battery code and the answer.

        Returns
        -------
        SurveyData
            The validated answers, one (respondent x item) array per battery.

        Raises
        ------
        DataError
            An answer outside the scale or not a whole category, a column that is missing, a battery
            without variation, and the other problems listed in the module docstring.

        Examples
        --------
        >>> import pandas as pd
        >>> design = Design(dimensions={"speed": ("q1", "q2"), "care": ("q3", "q4")},
        ...                 batteries={"E": "E_{item}", "P": "P_{item}"}, scale=(1, 5))
        >>> frame = pd.DataFrame({
        ...     "E_q1": [5, 4, -99, 5], "E_q2": [4, 5, 5, 4], "E_q3": [5, 5, 4, 4], "E_q4": [3, 4, 5, 5],
        ...     "P_q1": [3, 4, 2, 4], "P_q2": [4, 3, 3, 5], "P_q3": [2, 5, 4, 3], "P_q4": [3, 3, 4, 4]})
        >>> data = design.prepare(frame, missing_values=-99)
        >>> data.n, data.batteries
        (4, ('E', 'P'))
        >>> data.frame("E").loc[2].tolist()  # -99 became NaN
        [nan, 5.0, 4.0, 5.0]
        """
        if not isinstance(data, pd.DataFrame):
            raise msg.not_a_frame(data)
        codes = parse_codes(missing_values)
        if format == "long":
            data = widen_long(self, data, item=item, battery=battery, answer=answer)
        elif format != "wide":
            raise SpecError(f"format must be 'wide' or 'long', got {format!r}.")
        elif self.respondent is not None:
            if self.respondent not in data.columns:
                raise msg.not_found([self.respondent], data.columns.tolist(), {self.respondent: "respondent id"},
                                    noun="Column(s)")
            if data[self.respondent].duplicated().any():
                dup = data[self.respondent][data[self.respondent].duplicated()].iloc[0]
                raise DataError(f"respondent id {dup!r} appears in more than one row of wide data; "
                                "use format='long' for one row per answer.")
            data = data.set_index(self.respondent)
        if len(data) == 0:
            raise msg.no_rows(data.shape[1])

        stage_codes, stages = read_stages(self, data)
        columns: dict[str, None] = {}
        scales: dict[str, Scale] = {}
        owner: dict[str, str] = {}

        def add(col: str, scale: Scale | None, role: str) -> None:
            columns.setdefault(col)
            owner.setdefault(col, role)
            if scale is not None:
                scales.setdefault(col, scale)

        likert = Scale(*self.scale, "likert")
        for b, mapping in self.columns.items():
            unmapped = [it for it in self.items if it not in mapping]
            if unmapped:
                raise DataError(f"battery {b} maps no column for {len(unmapped)} of its {len(self.items)} items: "
                                f"{', '.join(unmapped[:8])}{' ...' if len(unmapped) > 8 else ''}. Every battery "
                                "must carry every item; map them in batteries=.")
            sc = Scale(0, self.probability_max, "probability") if b in self.probability else likert
            for it in self.items:
                add(mapping[it], sc, f"battery {b}, item {it}")
        for c in self.satisfaction:
            add(c, Scale(*self.satisfaction_scale, "likert"), "satisfaction")
        for c in self.drivers:
            add(c, None, "driver")
        for d, c in (self.importance or {}).items():
            add(c, None, f"importance of {d}")
        read = read_items(data, list(columns), scales=scales, missing_values=codes, owner=owner)
        where = {c: j for j, c in enumerate(read.columns)}

        def block(cols: Iterable[str]) -> np.ndarray:
            return read.values[:, [where[c] for c in cols]].copy()

        answers: dict[str, np.ndarray] = {}
        for b, mapping in self.columns.items():
            vals = block(mapping[it] for it in self.items)
            if b in self.probability:
                vals = rescale_probabilities(self, vals, f"battery {b}")
            finite = vals[np.isfinite(vals)]
            if finite.size == 0:
                raise DataError(f"battery {b} has no answers at all (all missing).")
            if np.all(finite == finite[0]):
                raise DataError(f"every answer in battery {b} is {finite[0]:g}: a battery without variation "
                                "carries no information about the latent level. Check the export (a filled-in "
                                "default?) or drop the battery from the design.")
            answers[b] = vals
        if "P" in answers and self.no_perception:
            absent = np.isin(np.asarray(stages, dtype=object)[stage_codes], self.no_perception)
            has = absent & np.isfinite(answers["P"]).any(axis=1)
            if has.any():
                raise DataError(f"respondents at stage(s) {', '.join(map(repr, self.no_perception))} were not "
                                f"asked the P battery by design, but rows {fmt_rows(data.index, has)} have P "
                                "answers. Fix the stage column or no_perception=.")

        sat = block(self.satisfaction) if self.satisfaction else None
        drivers = None
        if self.drivers:
            drivers = block(self.drivers)
            for j, c in enumerate(self.drivers):
                if np.isnan(drivers[:, j]).any():
                    raise DataError(f"driver column {c!r} has missing values in rows "
                                    f"{fmt_rows(data.index, np.isnan(drivers[:, j]))}; drivers must be complete "
                                    "(impute them or drop those respondents first).")
                if np.ptp(drivers[:, j]) == 0:
                    raise DataError(f"driver column {c!r} is constant ({drivers[0, j]:g}); it cannot explain "
                                    "differences in expectations. Remove it from drivers=.")
        importance = None
        if self.importance:
            importance = block(self.importance.values())
            if np.any(importance < 0):
                raise DataError("importance points must be non-negative.")
        return SurveyData(
            design=self, index=data.index, answers=answers, satisfaction=sat, drivers=drivers,
            stage=stage_codes, stages=stages, importance=importance, missing_values=codes,
        )


@dataclass(frozen=True, eq=False)
class SurveyData:
    """Validated survey answers: one (n, items) float array per battery, NaN where unanswered.

    Built by :meth:`Design.prepare`, not by hand; the input of :func:`~expectmodel.latent.servqual`,
    :func:`~expectmodel.latent.zone_of_tolerance` and :class:`~expectmodel.latent.LatentExpectations`.

    Parameters
    ----------
    design : Design
        The design the data were validated against.
    index : pandas.Index
        Respondent ids (the wide frame's index or the ``respondent`` column).
    answers : dict of str to numpy.ndarray
        Battery -> (n, items) answers in :attr:`Design.items` order, NaN where unanswered
        (probabilities rescaled to [0, 1]).
    satisfaction : numpy.ndarray or None
        (n, satisfaction items) overall-satisfaction answers.
    drivers : numpy.ndarray or None
        (n, drivers) driver values, complete.
    stage : numpy.ndarray
        Stage code of each respondent (all 0 without a stage column).
    stages : tuple of str
        The stage names the codes index (``("all",)`` without a stage column).
    importance : numpy.ndarray or None
        (n, dimensions) importance points.
    missing_values : tuple of float
        The missing-value codes that were read as NaN.

    Examples
    --------
    >>> from expectmodel import latent
    >>> sim = latent.simulate_latent(30, dimensions={"a": ("q1", "q2"), "b": ("q3", "q4")}, seed=1)
    >>> data = sim.design.prepare(sim.data)
    >>> data.n, data.batteries, data.answers["P"].shape
    (30, ('E', 'P'), (30, 4))
    >>> data.frame("P").columns.tolist()
    ['q1', 'q2', 'q3', 'q4']
    >>> data.long().columns.tolist()
    ['respondent', 'battery', 'dimension', 'item', 'answer']
    """

    design: Design
    index: pd.Index
    answers: dict[str, np.ndarray]
    satisfaction: np.ndarray | None
    drivers: np.ndarray | None
    stage: np.ndarray
    stages: tuple[str, ...]
    importance: np.ndarray | None
    missing_values: tuple[float, ...]

    @property
    def n(self) -> int:
        """Number of respondents."""
        return len(self.index)

    @property
    def batteries(self) -> tuple[str, ...]:
        """The battery codes present, in the design's order."""
        return tuple(self.answers)

    def frame(self, battery: str) -> pd.DataFrame:
        """Return one battery as a (respondent × item) DataFrame.

        Parameters
        ----------
        battery : str
            A battery code of the data (``"E"``, ``"P"``, ``"D"`` or ``"A"``).

        Returns
        -------
        pandas.DataFrame
            Answers indexed by respondent, one column per item, NaN where unanswered.

        Examples
        --------
        >>> from expectmodel import latent
        >>> sim = latent.simulate_latent(5, dimensions={"a": ("q1", "q2")}, seed=3)
        >>> sim.design.prepare(sim.data).frame("E").shape
        (5, 2)
        """
        return pd.DataFrame(self.answers[battery], index=self.index, columns=list(self.design.items))

    def long(self) -> pd.DataFrame:
        """Return the answers in tidy long form (answered cells only).

        Returns
        -------
        pandas.DataFrame
            One row per answer, columns ``respondent``, ``battery``, ``dimension``, ``item`` and
            ``answer`` (whole categories).

        Examples
        --------
        >>> import numpy as np
        >>> from expectmodel import latent
        >>> sim = latent.simulate_latent(5, dimensions={"a": ("q1", "q2")}, missing_rate=0.2, seed=3)
        >>> data = sim.design.prepare(sim.data)
        >>> long = data.long()
        >>> len(long) == sum(int((~np.isnan(a)).sum()) for a in data.answers.values())
        True
        >>> long.columns.tolist()
        ['respondent', 'battery', 'dimension', 'item', 'answer']
        """
        d = self.design
        dim_of = np.repeat(list(d.dimensions), [len(v) for v in d.dimensions.values()])
        parts = []
        for b, vals in self.answers.items():
            r, j = np.nonzero(np.isfinite(vals))
            parts.append(pd.DataFrame({"respondent": self.index[r], "battery": b, "dimension": dim_of[j],
                                       "item": np.asarray(d.items)[j], "answer": vals[r, j].astype(int)}))
        return pd.concat(parts, ignore_index=True)


def servqual_design(
    *,
    batteries: Mapping[str, str | Mapping[str, str]] | None = None,
    scale: tuple[int, int] = (1, 7),
    **kwargs,
) -> Design:
    """Return the SERVQUAL 22-item, 5-dimension layout (items ``q1`` ... ``q22``).

    Columns default to ``E_q1 ... E_q22`` and ``P_q1 ... P_q22``; pass
    ``batteries=`` to map your own names, and any other :class:`Design` keyword.

    Parameters
    ----------
    batteries : mapping of str to str or mapping, optional
        Battery code -> column pattern with ``{item}`` or item -> column mapping, as in
        :class:`Design` (default ``{"E": "E_{item}", "P": "P_{item}"}``).
    scale : (int, int)
        Lowest and highest answer category.
    **kwargs
        Any other :class:`Design` keyword (``satisfaction``, ``drivers``, ``stage``, ...).

    Returns
    -------
    Design
        The five SERVQUAL dimensions (tangibles, reliability, responsiveness, assurance,
        empathy; :data:`SERVQUAL_DIMENSIONS`) with the given batteries.

    Examples
    --------
    >>> servqual_design().dimensions["reliability"]
    ('q5', 'q6', 'q7', 'q8', 'q9')
    >>> design = servqual_design(batteries={"D": "des_{item}", "A": "ade_{item}", "P": "per_{item}"},
    ...                          scale=(1, 9), satisfaction=["overall"])
    >>> design.columns["A"]["q1"], design.n_categories, design.satisfaction
    ('ade_q1', 9, ('overall',))
    """
    return Design(dimensions=SERVQUAL_DIMENSIONS,
                  batteries=batteries or {"E": "E_{item}", "P": "P_{item}"}, scale=scale, **kwargs)
