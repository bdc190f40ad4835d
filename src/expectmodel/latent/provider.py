"""The provider's side of SERVQUAL: gaps 1-4 on the customers' latent metric (Parasuraman, Zeithaml & Berry 1985).

The provider answers the customers' items (same wording, same scale) as batteries of their own:

- ``M`` management's perception of what customers expect (a management survey),
- ``S`` the service standards set for each item,
- ``V`` the service delivered, as the provider measures it (audits, employee survey),
- ``C`` the service promised in external communications.

:func:`stack_provider` validates these surveys against the customer battery and stacks them under the
customers' E and P answers (one row per customer or per provider respondent, unanswered batteries empty),
with a :class:`~expectmodel.latent.Design` that reads them. :class:`~expectmodel.latent.LatentExpectations`
then measures all batteries on one latent metric (invariance: shared item offsets, loadings and
cut-points, an assumption as strong for managers as it is for customers), and :func:`provider_gaps`
reads the gaps from the posterior, each with its interval::

    gap 1 = M - E   (management misjudges what customers expect)
    gap 2 = S - M   (standards differ from what management believes customers expect)
    gap 3 = V - S   (delivery misses the standards)
    gap 4 = V - C   (delivery falls short of what was promised: negative = over-promising)
    gap 5 = P - E   (the customer gap)

and the decomposition of gap 5 along the chain the design holds, an accounting identity on the latent
metric (not a causal split): P - E = gap 1 + gap 2 + gap 3 + (P - V), the last term being how customers
perceive the delivered service against the provider's own measure of it. A gap whose batteries are absent is
left out, and so is the decomposition unless M, S and V are all present.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from expectmodel.errors import DataError, SpecError
from expectmodel.inference import equal_tailed
from expectmodel.latent.design import Design

__all__ = ["PROVIDER_BATTERIES", "provider_gaps", "stack_provider"]

#: Provider batteries and the keyword of :func:`stack_provider` that supplies each.
PROVIDER_BATTERIES = {"M": "management", "S": "standards", "V": "delivery", "C": "promises"}

#: The gaps: name -> (minuend battery, subtrahend battery, meaning).
GAPS = {
    "gap1": ("M", "E", "management's perception minus customers' expectation"),
    "gap2": ("S", "M", "service standard minus management's perception"),
    "gap3": ("V", "S", "delivered (provider's measure) minus standard"),
    "gap4": ("V", "C", "delivered minus promised (negative: over-promising)"),
    "gap5": ("P", "E", "perceived minus expected (the customer gap)"),
}


def stack_provider(customers: pd.DataFrame, design: Design, *, management: pd.DataFrame,
                   standards: pd.DataFrame | None = None, delivery: pd.DataFrame | None = None,
                   promises: pd.DataFrame | None = None) -> tuple[pd.DataFrame, Design]:
    """Stack provider surveys under the customers' E and P answers, on the same items.

    Each provider frame has one row per provider respondent (manager, audit, campaign) and exactly the
    customer E battery's item columns (same names, same answer scale).

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers' answers in ``design``'s layout (E and P batteries).
    design : Design
        The customer design.
    management : pandas.DataFrame
        The management survey: what managers believe customers expect, per item.
    standards, delivery, promises : pandas.DataFrame, optional
        Service standards, delivered service and promised service, per item.

    Returns
    -------
    (pandas.DataFrame, Design)
        The stacked answers (a ``source`` column says whose row it is) and a design with the batteries
        E, P and the provider batteries given (no stage, drivers or satisfaction: the gaps are read from
        the batteries' levels).

    Raises
    ------
    DataError
        A provider survey whose items do not match the customer battery (an item column missing, or a
        column that is not one of its items), or a frame with no rows.

    Examples
    --------
    >>> from expectmodel import latent
    >>> sim = latent.simulate_latent(30, dimensions={"a": ("q1", "q2")}, seed=1)
    >>> managers = pd.DataFrame({"E_q1": [6, 7, 5], "E_q2": [7, 6, 6]})
    >>> frame, design = stack_provider(sim.data, sim.design, management=managers)
    >>> frame.shape, tuple(design.columns)
    ((33, 7), ('E', 'P', 'M'))
    >>> stack_provider(sim.data, sim.design, management=managers.rename(columns={"E_q2": "E_q9"}))
    Traceback (most recent call last):
    ...
    expectmodel.errors.DataError: the management survey's items do not match the customer battery E: it lacks \
['E_q2'] and has ['E_q9'], which is not an E item. A provider survey answers exactly the customers' \
E items (columns ['E_q1', 'E_q2']).
    """
    if not {"E", "P"} <= set(design.columns):
        raise SpecError("the provider gaps need the customers' E and P batteries in the design.")
    items = design.items
    e_cols = [design.columns["E"][it] for it in items]
    frames = {"M": management, "S": standards, "V": delivery, "C": promises}
    parts = [customers[[c for b in ("E", "P") for c in (design.columns[b][it] for it in items)]]
             .assign(source="customer")]
    batteries: dict[str, Mapping[str, str]] = {"E": design.columns["E"], "P": design.columns["P"]}
    for code, frame in frames.items():
        if frame is None:
            continue
        what = f"the {PROVIDER_BATTERIES[code]} survey"
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"{what} must be a pandas DataFrame with the E items as columns; got "
                            f"{type(frame).__name__}.")
        if len(frame) == 0:
            raise DataError(f"{what} has no rows.")
        cols = [str(c) for c in frame.columns]
        lacking = [c for c in e_cols if c not in cols]
        extra = [c for c in cols if c not in e_cols]
        if lacking or extra:
            parts_msg = []
            if lacking:
                parts_msg.append(f"it lacks {lacking}")
            if extra:
                parts_msg.append(f"has {extra}, which {'is' if len(extra) == 1 else 'are'} not an E item")
            raise DataError(f"{what}'s items do not match the customer battery E: {' and '.join(parts_msg)}. "
                            f"A provider survey answers exactly the customers' E items (columns {e_cols}).")
        renamed = frame[e_cols].rename(columns={c: f"{code}__{it}" for c, it in zip(e_cols, items, strict=True)})
        parts.append(renamed.assign(source=PROVIDER_BATTERIES[code]))
        batteries[code] = {it: f"{code}__{it}" for it in items}
    stacked = pd.concat(parts, ignore_index=True)
    stacked.index.name = "row"
    out = Design(dimensions=design.dimensions, batteries=batteries, scale=design.scale)
    return stacked, out


def provider_gaps(results, *, ci_level: float | None = None) -> pd.DataFrame:
    """Return SERVQUAL gaps 1-5 per dimension (and their mean), each with its interval, and gap 5's decomposition.

    Parameters
    ----------
    results : LatentResults
        A fit of :class:`~expectmodel.latent.LatentExpectations` (invariance) to :func:`stack_provider`'s
        data.
    ci_level : float, optional
        Interval probability (default: the fit's).

    Returns
    -------
    pandas.DataFrame
        Index (``gap``, ``dimension``), dimension ``"mean"`` for the mean over dimensions; columns
        ``meaning``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high``, ``prob_positive``. With M, S and V
        present, rows ``perceived-delivered`` (P - V) complete the decomposition
        gap 5 = gap 1 + gap 2 + gap 3 + (P - V), which holds draw by draw.

    Raises
    ------
    SpecError
        The fit lacks the E battery, has no provider battery, or was fitted without invariance.

    Examples
    --------
    The gaps need a fit (it samples), so this line is skipped:

    >>> provider_gaps(results).xs("mean", level="dimension")  # doctest: +SKIP
    """
    lay = results.layout
    if not lay.invariant:
        raise SpecError("the provider gaps compare batteries on one latent metric and need invariance=True.")
    present = set(lay.batteries)
    if "E" not in present or not present & set(PROVIDER_BATTERIES):
        raise SpecError(f"the provider gaps need the E battery and at least one provider battery "
                        f"({', '.join(PROVIDER_BATTERIES)}); this fit has {list(lay.batteries)}.")
    level = results.ci_level if ci_level is None else float(ci_level)
    mu = results.draws("mu")  # (draws, B, D)
    dims = list(lay.dims)
    todo = {k: v for k, v in GAPS.items() if {v[0], v[1]} <= present}
    if {"M", "S", "V", "P"} <= present:
        todo["perceived-delivered"] = ("P", "V", "perceived (customers) minus delivered (provider's measure)")
    rows = []
    for name, (a, b, meaning) in todo.items():
        x = mu[:, lay.index(a), :] - mu[:, lay.index(b), :]
        x = np.concatenate([x, x.mean(axis=1, keepdims=True)], axis=1)
        lo, hi = equal_tailed(x, level)
        for d, dim in enumerate([*dims, "mean"]):
            rows.append({"gap": name, "dimension": dim, "meaning": meaning, "estimate": x[:, d].mean(),
                         "std_error": x[:, d].std(ddof=1), "ci_low": lo[d], "ci_high": hi[d],
                         "prob_positive": (x[:, d] > 0).mean()})
    out = pd.DataFrame(rows).set_index(["gap", "dimension"])
    out.attrs["ci_level"] = level
    out.attrs["decomposition"] = ("gap5 = gap1 + gap2 + gap3 + perceived-delivered"
                                  if "perceived-delivered" in todo else "not available (needs M, S and V)")
    return out
