"""Kano figures from tidy frames: the Better-Worse plot, category shares and drift; each returns its Axes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from expectmodel.plotting import axes

__all__ = ["plot_better_worse", "plot_drift", "plot_shares"]

COLOURS = {"A": "#4daf4a", "O": "#377eb8", "M": "#e41a1c", "I": "#bdbdbd", "R": "#984ea3", "Q": "#ff7f00"}


def plot_better_worse(bw: pd.DataFrame, *, ax=None, threshold: float = 0.5):
    """Plot Better (up) against |Worse| (across) with bootstrap intervals and the four quadrant labels.

    Parameters
    ----------
    bw : pandas.DataFrame
        ``attribute``, ``better``, ``worse`` and optionally ``better_low/high``, ``worse_low/high``
        and ``group`` (one colour per group).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    threshold : float
        Where the quadrant lines sit (0.5 in Berger et al. 1993).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> bw = pd.DataFrame({"attribute": ["wifi"], "better": [0.6], "worse": [-0.8]})
    >>> plot_better_worse(bw).get_xlabel()
    '|Worse| (dissatisfaction if absent)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    ax = axes(ax, (5.5, 5.0))
    groups = list(dict.fromkeys(bw["group"])) if "group" in bw else [None]
    for k, g in enumerate(groups):
        part = bw if g is None else bw[bw["group"] == g]
        x, y = -part["worse"].to_numpy(float), part["better"].to_numpy(float)
        if {"worse_low", "better_low"} <= set(part.columns):
            xerr = np.abs(np.vstack([x - (-part["worse_high"].to_numpy(float)),
                                     -part["worse_low"].to_numpy(float) - x]))
            yerr = np.abs(np.vstack([y - part["better_low"].to_numpy(float), part["better_high"].to_numpy(float) - y]))
            ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="none", ecolor=f"C{k}", alpha=0.4, lw=1)
        ax.plot(x, y, "o", color=f"C{k}", label=g if g else None)
        for xi, yi, name in zip(x, y, part["attribute"], strict=True):
            ax.annotate(str(name), (xi, yi), xytext=(4, 3), textcoords="offset points", fontsize=8)
    ax.axhline(threshold, color="0.6", lw=0.8)
    ax.axvline(threshold, color="0.6", lw=0.8)
    for (xq, yq, text) in ((0.02, 0.98, "Attractive"), (0.98, 0.98, "One-dimensional"),
                           (0.98, 0.02, "Must-be"), (0.02, 0.02, "Indifferent")):
        ax.text(xq, yq, text, transform=ax.transAxes, ha="left" if xq < 0.5 else "right",
                va="top" if yq > 0.5 else "bottom", fontsize=9, color="0.35", style="italic")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("|Worse| (dissatisfaction if absent)")
    ax.set_ylabel("Better (satisfaction if present)")
    if groups != [None] and len(groups) > 1:
        ax.legend(fontsize=8, frameon=False)
    ax.set_title("Better-Worse plot")
    return ax


def plot_shares(shares: pd.DataFrame, *, ax=None):
    """Draw the category shares of every attribute as horizontal stacked bars.

    Parameters
    ----------
    shares : pandas.DataFrame
        One row per attribute and category: ``attribute``, ``category``, ``estimate``.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> s = pd.DataFrame({"attribute": ["wifi", "wifi"], "category": ["O", "M"], "estimate": [0.6, 0.4]})
    >>> plot_shares(s).get_xlabel()
    'share of answers (Q excluded)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    wide = shares.pivot_table(index="attribute", columns="category", values="estimate", sort=False).fillna(0.0)
    ax = axes(ax, (6.0, 0.35 * len(wide) + 1.4))
    y = np.arange(len(wide))[::-1]
    left = np.zeros(len(wide))
    for cat in [c for c in COLOURS if c in wide.columns]:
        ax.barh(y, wide[cat].to_numpy(), left=left, color=COLOURS[cat], label=cat, height=0.7)
        left = left + wide[cat].to_numpy()
    ax.set_yticks(y, wide.index)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of answers (Q excluded)")
    ax.legend(ncols=len(wide.columns), fontsize=8, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return ax


def plot_drift(trajectory: pd.DataFrame, *, value: str = "estimate", ax=None):
    """Draw one line per attribute across waves, with its interval band (e.g. Better or a category share).

    Parameters
    ----------
    trajectory : pandas.DataFrame
        ``attribute``, ``wave`` (in order), ``estimate`` and optionally ``ci_low``/``ci_high``.
    value : str
        The column to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> t = pd.DataFrame({"attribute": ["wifi"] * 2, "wave": ["2024", "2025"], "estimate": [0.3, 0.5]})
    >>> plot_drift(t).get_xlabel()
    'wave'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    ax = axes(ax, (6.0, 3.8))
    waves = list(dict.fromkeys(trajectory["wave"]))
    pos = {w: i for i, w in enumerate(waves)}
    for k, (name, part) in enumerate(trajectory.groupby("attribute", sort=False)):
        x = part["wave"].map(pos).to_numpy()
        ax.plot(x, part[value].to_numpy(float), "-o", color=f"C{k % 10}", label=str(name), ms=3)
        if {"ci_low", "ci_high"} <= set(part.columns):
            ax.fill_between(x, part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float), color=f"C{k % 10}",
                            alpha=0.15, lw=0)
    ax.set_xticks(range(len(waves)), waves)
    ax.set_xlabel("wave")
    ax.legend(fontsize=8, frameon=False, ncols=2)
    return ax
