"""Moderation and quadratic terms in PLS: the ``X:M`` and ``X:X`` terms of the spec (METHODS §1c).

A model with product terms is estimated as a model without them plus one construct per product:

* ``"two_stage"`` (default; Henseler & Chin 2010, Becker, Ringle & Sarstedt 2018): stage 1 fits the
  main-effects model; the product of the stage-1 construct scores of X and M becomes the single item
  of the product construct in stage 2 (as R seminr's ``two_stage`` and SmartPLS). The stage-2
  bootstrap holds that item at its stage-1 values.
* ``"product_indicator"``: every product of the standardised indicators of X and M is an indicator of
  the product construct (mode A; reflective blocks only).
* ``"orthogonal"`` (Little, Bovaird & Widaman 2006): those products residualised, by OLS with an
  intercept, on all indicators of X and M.

The product construct is named like the term (``"X:M"``); its items are ``"X*M"`` (two-stage) or
``"x1*m1"`` (product indicators). Simple slopes and the floodlight: with ``b_X`` and ``b_XM`` the paths of
X and of the product into Y, the conditional effect of X at a moderator value m (in SDs) is
``b_X + c b_XM m / sd(XM)``, ``c = 2`` for a quadratic term and 1 otherwise, and ``sd(XM)`` the SD of the
product of the standardised X and M scores (the product construct is standardised).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.spec import Model
from expectmodel.spec.model import Construct, Path

__all__ = ["METHODS", "Moderation", "augment", "main_effects"]

#: The estimation approaches of a product term.
METHODS = ("two_stage", "product_indicator", "orthogonal")


@dataclass(frozen=True, eq=False)
class Moderation:
    """What the moderation step did: the user's model, the method, each product and its scale."""

    source: Model  # the model as specified, with its X:M terms
    method: str
    products: tuple[tuple[str, str, str], ...]  # (name, left, right)
    items: dict[str, tuple[str, ...]]  # product construct -> its item columns
    stage1: object | None = None  # the stage-1 PLSResults (two-stage)


def main_effects(model: Model) -> Model:
    r"""Drop the product terms of a model (stage 1 of the two-stage approach).

    Parameters
    ----------
    model : Model
        A model with interactions.

    Returns
    -------
    Model

    Examples
    --------
    >>> from expectmodel.spec import Model
    >>> main_effects(Model.from_syntax("X =~ x1\nM =~ m1\nY =~ y1\nY ~ X + M + X:M")).interactions
    ()
    """
    return Model(model.constructs, model.paths)


def _product_items(values: np.ndarray, cols: list[str], left: Construct, right: Construct,
                   orthogonal: bool) -> tuple[list[str], np.ndarray]:
    pos = {c: j for j, c in enumerate(cols)}
    xl = values[:, [pos[i] for i in left.indicators]]
    xr = values[:, [pos[i] for i in right.indicators]]
    zl = (xl - xl.mean(axis=0)) / xl.std(axis=0, ddof=1)
    zr = (xr - xr.mean(axis=0)) / xr.std(axis=0, ddof=1)
    if left.name == right.name:  # a quadratic term: each pair once (x_i x_j, i <= j)
        iu = np.triu_indices(len(left.indicators))
        names = [f"{left.indicators[i]}*{left.indicators[j]}" for i, j in zip(*iu, strict=True)]
        prod = zl[:, iu[0]] * zl[:, iu[1]]
        preds = xl
    else:
        names = [f"{a}*{b}" for a in left.indicators for b in right.indicators]
        prod = (zl[:, :, None] * zr[:, None, :]).reshape(len(values), -1)
        preds = np.column_stack([xl, xr])
    if orthogonal:
        design = np.column_stack([np.ones(len(values)), preds])
        beta, *_ = np.linalg.lstsq(design, prod, rcond=None)
        prod = prod - design @ beta
    return names, prod


def augment(model: Model, data: pd.DataFrame, method: str, stage1_fit) -> tuple[Model, pd.DataFrame, Moderation]:
    """Build the model and the data that estimate ``model``'s product terms by ``method``.

    Parameters
    ----------
    model : Model
        The model with ``X:M`` terms.
    data : pandas.DataFrame
        The survey.
    method : {"two_stage", "product_indicator", "orthogonal"}
        The approach.
    stage1_fit : callable
        ``stage1_fit(model, data) -> PLSResults``: fits the main-effects model with the estimator's
        settings (it also checks and prepares the data).

    Returns
    -------
    (Model, pandas.DataFrame, Moderation)
        The model with one construct per product, the rows to fit it on (with the product items), and
        the record of what was done.

    Raises
    ------
    SpecError
        A product of a mode-B composite under the product-indicator or orthogonalised approach (the
        two-stage approach works for it), or an item name that the data already use.

    Examples
    --------
    See :meth:`expectmodel.sem.PLSResults.simple_slopes`.
    """
    main = main_effects(model)
    stage1 = stage1_fit(main, data)
    prepared = stage1.prepared
    rows = data if prepared.kept is None else data.iloc[prepared.kept]
    rows = rows.copy()
    constructs = list(model.constructs)
    items: dict[str, tuple[str, ...]] = {}
    for name, left, right in model.products:
        cl, cr = model.construct(left), model.construct(right)
        if method == "two_stage":
            scores = stage1.scores
            names, values = [f"{left}*{right}"], (scores[left] * scores[right]).to_numpy()[:, None]
        else:
            for c in (cl, cr):
                if c.mode == "B" and len(c.indicators) > 1:
                    raise SpecError(
                        f"The interaction '{name}' uses '{c.name}', a mode B composite; the {method.replace('_', '-')} "
                        "approach multiplies indicators and needs reflective (mode A) blocks. Use "
                        "interaction='two_stage', which works with any block."
                    )
            if prepared.pairwise is not None:
                raise SpecError(f"The {method.replace('_', '-')} approach needs complete rows; fit with "
                                "missing='listwise' or 'mean', or use interaction='two_stage'.")
            names, values = _product_items(prepared.values, list(prepared.columns), cl, cr, method == "orthogonal")
        clash = [c for c in names if c in data.columns]
        if clash:
            raise SpecError(f"The product item name(s) {clash} of '{name}' are already columns of the data; "
                            "rename those columns.")
        rows[names] = values
        items[name] = tuple(names)
        constructs.append(Construct(name, tuple(names), "composite", "A"))
    paths = [*model.paths, *(Path(p.source, p.target) for p in model.interactions)]
    augmented = Model(tuple(constructs), tuple(paths))
    return augmented, rows, Moderation(model, method, model.products, items,
                                       stage1 if method == "two_stage" else None)
