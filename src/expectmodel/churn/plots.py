"""Figures of the churn family; each takes a tidy table (from ``expectmodel.churn``) and returns the Axes.

matplotlib is imported when a figure is drawn, through :func:`expectmodel.plotting.axes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_calibration", "plot_gain", "plot_profit", "plot_response_curve", "plot_retention"]


def _line_with_band(ax: Axes, x: Any, y: Any, low: Any, high: Any, *, alpha: float, **line: Any) -> Any:
    """Draw a line and its interval band in the line's colour; return the line."""
    drawn = ax.plot(x, y, **line)[0]
    ax.fill_between(x, low, high, alpha=alpha, color=drawn.get_color())
    return drawn


def _finish(ax: Axes, xlabel: str, ylabel: str, **legend: Any) -> Axes:
    """Label the axes and (given legend options, or ``legend=True``) draw the legend."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend.pop("legend", True):
        ax.legend(**legend)
    return ax


def plot_calibration(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Draw a calibration plot: observed churn rate (with intervals) against mean predicted churn per bin.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`~expectmodel.churn.calibration_table`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from expectmodel.churn import calibration_table
    >>> ax = plot_calibration(calibration_table([0, 1, 0, 1, 1, 0], [.1, .8, .3, .6, .9, .2], bins=2))
    >>> ax.get_xlabel()
    'predicted churn probability'
    >>> plt.close(ax.figure)
    """
    from expectmodel.plotting import axes

    ax = axes(ax, (4.5, 4.5))
    err = np.clip(np.vstack([table["observed"] - table["ci_low"], table["ci_high"] - table["observed"]]), 0, None)
    ax.errorbar(table["predicted"], table["observed"], yerr=err, fmt="o", capsize=3, label="observed (95%)")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    return _finish(ax, "predicted churn probability", "observed churn rate", loc="upper left")


def plot_gain(table: pd.DataFrame, ax: Axes | None = None, label: str | None = None) -> Axes:
    """Draw the cumulative gain chart (share of churners caught against share of customers contacted).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`~expectmodel.churn.lift_table`.
    ax : matplotlib Axes, optional
        Where to draw (a second model's curve can be added to the same Axes).
    label : str, optional
        Legend label of the curve.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from expectmodel.churn import lift_table
    >>> ax = plot_gain(lift_table([1, 0, 1, 0, 0, 0], [.9, .2, .7, .4, .3, .1], bins=3), label="model")
    >>> ax.get_ylabel()
    'share of churners caught (gain)'
    >>> plt.close(ax.figure)
    """
    from expectmodel.plotting import axes

    ax = axes(ax, (5, 4))
    x = np.r_[0, table["cumulative_share"]]
    ax.plot(x, np.r_[0, table["gain"]], marker="o", label=label or "model")
    if not any(line.get_label() == "random" for line in ax.get_lines()):
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="random")
    return _finish(ax, "share of customers contacted (riskiest first)", "share of churners caught (gain)",
                   loc="lower right")


def plot_profit(curve: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Draw the profit curve of a retention campaign against the share of customers targeted.

    Parameters
    ----------
    curve : pandas.DataFrame
        From :func:`~expectmodel.churn.profit_curve`.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from expectmodel.churn import profit_curve
    >>> ax = plot_profit(profit_curve([1, 0, 1, 0], [.9, .2, .7, .1], customer_value=100, retention_cost=10))
    >>> ax.get_xlabel()
    'share of customers targeted'
    >>> plt.close(ax.figure)
    """
    from expectmodel.plotting import axes

    ax = axes(ax, (5, 4))
    ax.plot(curve["fraction"], curve["profit"], label="targeting by the model")
    ax.plot(curve["fraction"], curve["profit_random"], linestyle="--", color="grey", label="random targeting")
    best = curve[curve["best"]].iloc[0]
    ax.axvline(best["fraction"], color="black", linewidth=0.8)
    ax.annotate(f"best: {best['fraction']:.0%}", (best["fraction"], best["profit"]), textcoords="offset points",
                xytext=(5, 5))
    ax.axhline(0, color="black", linewidth=0.5)
    return _finish(ax, "share of customers targeted", "campaign profit", loc="lower left")


def plot_response_curve(frame: pd.DataFrame, ax: Axes | None = None, label: str | None = None) -> Axes:
    """Draw a response curve: churn probability (or hazard) against one feature, with its interval band.

    Parameters
    ----------
    frame : pandas.DataFrame
        From ``response_curve`` of a churn model: the feature's values first, then the probability
        (``p_churn`` or ``hazard``), ``ci_low``, ``ci_high``.
    ax : matplotlib Axes, optional
        Where to draw.
    label : str, optional
        Legend label.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt, pandas as pd
    >>> frame = pd.DataFrame({"sat": [0, 5, 10], "p_churn": [.6, .3, .2], "ci_low": [.5, .25, .1],
    ...                       "ci_high": [.7, .35, .3]})
    >>> ax = plot_response_curve(frame)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('sat', 'p_churn')
    >>> plt.close(ax.figure)
    """
    from expectmodel.plotting import axes

    ax = axes(ax, (5, 4))
    x, y = frame.columns[0], frame.columns[1]
    _line_with_band(ax, frame[x], frame[y], frame["ci_low"], frame["ci_high"], alpha=0.25, label=label or y)
    ax.set_ylim(bottom=0)
    return _finish(ax, str(x), str(y), legend=bool(label))


def plot_retention(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Draw retention (or survival) curves by cohort, with their interval bands.

    Parameters
    ----------
    frame : pandas.DataFrame
        From ``SBGResults.retention`` or ``SBGResults.survival``: ``cohort``, ``period``, the curve and its
        ``_low``/``_high`` columns.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt, pandas as pd
    >>> frame = pd.DataFrame({"cohort": "a", "period": [1, 2], "retention": [.6, .7],
    ...                       "retention_low": [.55, .66], "retention_high": [.65, .74]})
    >>> ax = plot_retention(frame)
    >>> ax.get_ylabel()
    'retention'
    >>> plt.close(ax.figure)
    """
    from expectmodel.plotting import axes

    ax = axes(ax, (5, 4))
    name = frame.columns[2]
    for cohort, part in frame.groupby("cohort", sort=False):
        _line_with_band(ax, part["period"], part[name], part[f"{name}_low"], part[f"{name}_high"], alpha=0.2,
                        marker="o", label=str(cohort))
    return _finish(ax, "period", name, title="cohort")
