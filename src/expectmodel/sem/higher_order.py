"""Higher-order constructs in PLS (Sarstedt, Hair, Cheah, Becker & Ringle 2019; METHODS §1c).

A second-order construct is written ``H =~ A + B + C`` (reflective) or ``H <~ A + B + C``
(formative), with ``A``, ``B``, ``C`` first-order constructs (the dimensions, e.g. the SERVQUAL
dimensions forming overall service quality). PLS estimates it as a first-order model:

* ``"repeated"`` (repeated indicators): H's block holds every indicator of its dimensions (copied
  columns named ``item.H``); the dimensions are joined to H by inner paths, H -> dimension for a
  reflective H and dimension -> H for a formative one. For a formative H the paths from H's
  antecedents collapse towards 0: use a two-stage approach there.
* ``"embedded"`` (embedded two-stage): stage 1 is the repeated-indicators model; stage 2 measures H by
  the stage-1 scores of its dimensions (columns named ``A.score``) and drops the dimensions.
* ``"disjoint"`` (disjoint two-stage, R seminr's ``two_stage``): stage 1 replaces H by its dimensions,
  each taking H's paths; stage 2 as embedded.

Under the two-stage approaches a dimension may have no path of its own (it is only a part of H).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.spec import Model
from expectmodel.spec.model import Construct, Path

__all__ = ["APPROACHES", "HigherOrder", "compile_higher_order", "repeated_model", "stage_two"]

#: The estimation approaches of a higher-order construct.
APPROACHES = ("embedded", "disjoint", "repeated")


@dataclass(frozen=True, eq=False)
class HigherOrder:
    """What the higher-order step did: the user's model, the approach, the dimensions and stage 1."""

    source: Model
    approach: str
    dimensions: dict[str, tuple[str, ...]]  # higher-order construct -> its dimensions
    stage1: object | None = None  # the stage-1 PLSResults (two-stage approaches)


def _copies(model: Model) -> dict[str, tuple[str, ...]]:
    return {h: tuple(f"{i}.{h}" for d in dims for i in model.construct(d).indicators)
            for h, dims in model.higher_order.items()}


def repeated_model(model: Model) -> Model:
    r"""Build the repeated-indicators first-order model of ``model`` (its data need the ``item.H`` copies).

    Parameters
    ----------
    model : Model
        A model with higher-order constructs.

    Returns
    -------
    Model

    Examples
    --------
    >>> from expectmodel.spec import Model
    >>> m = Model.from_syntax("A =~ a1 + a2\nB =~ b1 + b2\nH =~ A + B\nY =~ y1 + y2\nY ~ H")
    >>> repeated_model(m).construct("H").indicators
    ('a1.H', 'a2.H', 'b1.H', 'b2.H')
    """
    copies = _copies(model)
    constructs, paths = [], list(model.paths)
    for c in model.constructs:
        if c.name in copies:
            constructs.append(Construct(c.name, copies[c.name], c.kind, c.mode))
            for d in model.higher_order[c.name]:
                paths.append(Path(c.name, d) if c.kind == "reflective" else Path(d, c.name))
        else:
            constructs.append(c)
    return Model(tuple(constructs), tuple(paths))


def _disjoint_model(model: Model) -> Model:
    paths: list[Path] = []
    for p in model.paths:
        sources = model.higher_order.get(p.source, (p.source,))
        targets = model.higher_order.get(p.target, (p.target,))
        paths += [Path(s, t) for s in sources for t in targets]
    constructs = [c for c in model.constructs if c.name not in model.higher_order]
    return Model(tuple(constructs), tuple(dict.fromkeys(paths)))


def stage_two(model: Model) -> Model:
    r"""Build the stage-2 model: each higher-order construct measured by its dimensions' scores (``A.score``).

    Parameters
    ----------
    model : Model
        A model with higher-order constructs.

    Returns
    -------
    Model

    Examples
    --------
    >>> from expectmodel.spec import Model
    >>> m = Model.from_syntax("A =~ a1 + a2\nB =~ b1 + b2\nH =~ A + B\nY =~ y1 + y2\nY ~ H")
    >>> stage_two(m).names, stage_two(m).construct("H").indicators
    (('H', 'Y'), ('A.score', 'B.score'))
    """
    dims = {d for ds in model.higher_order.values() for d in ds}
    constructs = []
    for c in model.constructs:
        if c.name in dims:
            continue
        if c.name in model.higher_order:
            constructs.append(Construct(c.name, tuple(f"{d}.score" for d in model.higher_order[c.name]), c.kind,
                                        c.mode))
        else:
            constructs.append(c)
    return Model(tuple(constructs), model.paths)


def compile_higher_order(model: Model, data: pd.DataFrame, approach: str,
                         stage1_fit) -> tuple[Model, pd.DataFrame, HigherOrder]:
    """Build the first-order model and the data that estimate ``model``'s higher-order constructs.

    Parameters
    ----------
    model : Model
        The model with ``H =~ A + B`` (or ``<~``) constructs.
    data : pandas.DataFrame
        The survey.
    approach : {"embedded", "disjoint", "repeated"}
        The approach.
    stage1_fit : callable
        ``stage1_fit(model, data) -> PLSResults`` with the estimator's settings (no bootstrap).

    Returns
    -------
    (Model, pandas.DataFrame, HigherOrder)

    Raises
    ------
    SpecError
        A dimension with paths of its own under a two-stage approach, or a copied column name that the
        data already use.

    Examples
    --------
    See :attr:`expectmodel.sem.PLSResults.higher_order_table`.
    """
    dims = {d for ds in model.higher_order.values() for d in ds}
    if approach != "repeated":
        own = [p for p in model.paths if p.source in dims or p.target in dims]
        if own:
            raise SpecError(f"The dimension(s) {sorted({p.source for p in own} | {p.target for p in own} & dims)} "
                            "have paths of their own; under a two-stage approach a dimension is only a part of "
                            "its higher-order construct. Move the paths to the higher-order construct or use "
                            "higher_order='repeated'.")
    copies = _copies(model)
    rows = data.copy()
    new = [c for cols in copies.values() for c in cols] + [f"{d}.score" for d in dims]
    clash = [c for c in new if c in data.columns]
    if clash:
        raise SpecError(f"The column name(s) {clash[:3]} are reserved for higher-order constructs; rename them.")
    for h, dims_h in model.higher_order.items():
        items = [i for d in dims_h for i in model.construct(d).indicators]
        rows[list(copies[h])] = data[items].to_numpy()
    repeated = repeated_model(model)
    if approach == "repeated":
        return repeated, rows, HigherOrder(model, approach, dict(model.higher_order))
    stage1 = stage1_fit(repeated if approach == "embedded" else _disjoint_model(model),
                        rows if approach == "embedded" else data)
    kept = stage1.prepared.kept
    stage2_rows = (data if kept is None else data.iloc[kept]).copy()
    for d in sorted(dims):
        stage2_rows[f"{d}.score"] = stage1.scores[d].to_numpy()
    return stage_two(model), stage2_rows, HigherOrder(model, approach, dict(model.higher_order), stage1)
