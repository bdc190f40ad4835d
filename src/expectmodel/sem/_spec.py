"""What PLS can fit of a :class:`~expectmodel.spec.Model`, stated once and checked by row.

The spec states any model its table can hold; PLS path modelling fits a subset:

* operators ``=~`` (mode A blocks), ``<~`` (composites) and ``~`` (the inner model);
* no ``~~`` (PLS has no residual covariances) and no ``:=`` (indirect and total effects
  are reported for every path anyway);
* no fixed values (``0.5*x``): every weight, loading and path is estimated;
* labels (``b1*Quality``) are accepted and only name the parameter; one label on several
  rows (an equality constraint) is refused;
* a recursive (acyclic) inner model in which every construct has a path, when there is
  more than one construct.

:func:`pls_requirements` refuses the first violation with the row, its line and a hint.
"""

from __future__ import annotations

from expectmodel.errors import SpecError
from expectmodel.spec import Model
from expectmodel.spec.table import Supports

__all__ = ["PLS_HINTS", "PLS_SUPPORTS", "pls_labels", "pls_requirements"]

#: What the PLS estimator fits (labels only name parameters).
PLS_SUPPORTS = Supports(frozenset({"=~", "<~", "~"}), fixed=False, labels=True, constraints=False, groups=False)

#: The hints of PLS's refusals (the spec's former parse-time hints).
PLS_HINTS: dict[str, str] = {
    "~~": "Residual covariances ('~~') are not supported by the PLS estimator; PLS estimates composites of "
          "the indicators and has no residual covariances. Drop the line, or fit the model with a "
          "covariance-based estimator.",
    ":=": "Defined parameters (':=') are not supported by the PLS estimator; indirect and total effects are "
          "reported for every path (PLSResults.effects()).",
    "fixed": "Fixed values ('0.5*x') are not supported by the PLS estimator; it estimates every weight, loading "
             "and path freely, so write the term without its value.",
    "constraints": "The PLS estimator cannot impose equality constraints (one label on several rows); "
                   "give each row its own label or none.",
    "groups": "Group-specific rows are not supported; fit each group with MultiGroupPLS(PLS(...), by='column').",
}


def pls_requirements(model: Model | str) -> None:
    """Refuse, by row, what PLS path modelling cannot fit.

    Call it at the top of ``PLS.fit``.  The checks, in order: table rows PLS cannot fit
    (``~~``, ``:=``, fixed values, equality constraints; see :data:`PLS_SUPPORTS`), a cycle
    in the inner model, and constructs with no structural path (when there are two or more
    constructs).  Labels are accepted; :func:`pls_labels` reports them.

    Parameters
    ----------
    model : Model or str
        The specification (text is parsed with :meth:`Model.from_syntax`).

    Returns
    -------
    None

    Raises
    ------
    SpecError
        Naming the first row PLS cannot fit (its line when known, as ``lhs op rhs``) with a
        hint, the cycle, or the isolated constructs.

    Examples
    --------
    >>> from expectmodel.spec import Model
    >>> from expectmodel.sem._spec import pls_requirements
    >>> pls_requirements(Model.from_syntax("Q =~ q1 + q2\\nS =~ s1 + s2\\nS ~ b*Q"))   # fine: None
    >>> pls_requirements(Model.from_syntax("Q =~ q1 + q2\\nS =~ s1 + s2\\nS ~ Q\\nq1 ~~ s1"))
    Traceback (most recent call last):
    ...
    expectmodel.errors.SpecError: PLS cannot fit line 4, 'q1 ~~ s1': a variance or covariance ('~~').
    Residual covariances ('~~') are not supported by the PLS estimator; PLS estimates composites of the indicators and has no residual covariances. Drop the line, or fit the model with a covariance-based estimator.
    """  # noqa: E501
    if isinstance(model, str):
        model = Model.from_syntax(model)
    if not isinstance(model, Model):
        raise SpecError(f"model must be a Model or lavaan-style text, got {type(model).__name__}.")
    if model in _ACCEPTED:  # a frozen Model once accepted stays acceptable (refits skip the walk)
        return
    _check(model)
    if len(_ACCEPTED) >= 64:
        _ACCEPTED.clear()
    _ACCEPTED[model] = None


#: Models that passed :func:`pls_requirements` (insertion-ordered, bounded).
_ACCEPTED: dict[Model, None] = {}


def _check(model: Model) -> None:
    model.to_table().require(PLS_SUPPORTS, estimator="PLS", hints=PLS_HINTS)
    model.check_recursive(estimator="PLS")
    if len(model.names) > 1:
        linked = {p.source for p in model.paths} | {p.target for p in model.paths}
        linked |= {p.target for p in model.interactions}
        for h, dims in model.higher_order.items():  # a dimension is linked through its higher-order construct
            if h in linked:
                linked |= set(dims)
        isolated = [n for n in model.names if n not in linked]
        if isolated:
            raise SpecError(
                f"Construct(s) {', '.join(map(repr, isolated))} have no structural path; PLS estimates "
                "a construct from its neighbours in the inner model, so connect it or remove it."
            )


def pls_labels(model: Model) -> dict[tuple[str, str, str], str]:
    """The labels of a model's rows, by ``(lhs, op, rhs)``, for PLS to report next to its estimates.

    Parameters
    ----------
    model : Model

    Returns
    -------
    dict
        ``{(lhs, op, rhs): label}`` for every labelled row.

    Examples
    --------
    >>> from expectmodel.spec import Model
    >>> from expectmodel.sem._spec import pls_labels
    >>> pls_labels(Model.from_syntax("Q =~ q1 + q2\\nS =~ s1\\nS ~ b1*Q"))
    {('S', '~', 'Q'): 'b1'}
    """
    return {row.key: row.label for row in model.to_table() if row.label}
