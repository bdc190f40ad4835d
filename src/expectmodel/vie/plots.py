"""VIE figures from tidy frames: the interaction plot and the per-respondent motivation distribution.

Each function takes a frame (not a results object) and ``ax=None``, and returns the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from expectmodel.plotting import axes

__all__ = ["plot_interaction", "plot_motivation_distribution"]


def plot_interaction(frame: pd.DataFrame, *, ax=None, ylabel: str = "criterion"):
    """Draw the predicted criterion against expectancy at low, middle and high valence.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``expectancy``, ``level`` (e.g. "low V (-1.2)"), ``predicted`` and optionally ``ci_low``,
        ``ci_high`` (as :meth:`~expectmodel.vie.ModerationResults.interaction_frame` returns).
    ax : matplotlib Axes, optional
    ylabel : str
        The y-axis label.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> f = pd.DataFrame({"expectancy": [0, 1, 0, 1], "level": ["low", "low", "high", "high"],
    ...                   "predicted": [0, 0.2, 0, 1.0]})
    >>> ax = plot_interaction(f)
    >>> len(ax.lines)
    2
    >>> plt.close(ax.figure)
    """
    ax = axes(ax, (5, 3.5))
    for level, part in frame.groupby("level", sort=False):
        line, = ax.plot(part["expectancy"], part["predicted"], label=str(level))
        if "ci_low" in part and part["ci_low"].notna().all():
            ax.fill_between(part["expectancy"], part["ci_low"], part["ci_high"], color=line.get_color(), alpha=0.15)
    ax.set_xlabel("expectancy")
    ax.set_ylabel(ylabel)
    ax.legend(title="valence", frameon=False)
    return ax


def plot_motivation_distribution(frame: pd.DataFrame, *, ax=None, bins: int = 30):
    """Draw the distribution of per-respondent motivation M (and, with intervals, their typical width).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent with ``estimate`` (M) and optionally ``ci_low``, ``ci_high``.
    ax : matplotlib Axes, optional
    bins : int
        Histogram bins.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_motivation_distribution(pd.DataFrame({"estimate": np.linspace(-2, 3, 50)}))
    >>> ax.get_xlabel()
    'motivation M'
    >>> plt.close(ax.figure)
    """
    ax = axes(ax, (5, 3.5))
    m = frame["estimate"].to_numpy(dtype=float)
    ax.hist(m[np.isfinite(m)], bins=bins, color="0.7", edgecolor="white")
    ax.axvline(np.nanmean(m), color="k", lw=1, label=f"mean {np.nanmean(m):.2f}")
    if {"ci_low", "ci_high"} <= set(frame.columns):
        order = np.argsort(m)
        idx = order[np.linspace(0, len(order) - 1, min(25, len(order))).astype(int)]
        top = ax.get_ylim()[1]
        y = np.linspace(0.1, 0.9, idx.size) * top
        ax.hlines(y, frame["ci_low"].to_numpy()[idx], frame["ci_high"].to_numpy()[idx], color="C0", lw=1,
                  label="intervals (sample of respondents)")
        ax.plot(m[idx], y, "o", color="C0", ms=2)
    ax.axvline(0.0, color="0.4", lw=0.8, ls=":")
    ax.set_xlabel("motivation M")
    ax.set_ylabel("respondents")
    ax.legend(frameon=False, fontsize="small")
    return ax
