"""Figures for expectation / perception analyses; each returns the matplotlib Axes it drew on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from expectmodel.plotting import axes

__all__ = ["plot_drivers", "plot_gaps", "plot_loo_pit", "plot_predictive", "plot_zone_of_tolerance"]


def _ax(ax, size=(6.0, 3.6)):
    return axes(ax, size)  # the package's one axes helper, at this module's default size


def plot_gaps(dimensions: pd.DataFrame, *, ci_level: float, ax=None):
    """Plot the latent gap P − E per dimension: posterior mean and equal-tailed interval."""
    ax = _ax(ax)
    g = dimensions.xs("gap_P-E", level="quantity")
    lo, hi = "ci_low", "ci_high"
    y = np.arange(len(g))[::-1]
    ax.axvline(0, color="0.6", lw=0.8)
    ax.hlines(y, g[lo], g[hi], color="C0", lw=2)
    ax.plot(g["mean"], y, "o", color="C0")
    ax.set_yticks(y, g.index)
    ax.set_xlabel(f"latent gap P − E (logit scale), {ci_level:.0%} interval")
    ax.set_title("Perception minus expectation by dimension")
    return ax


def plot_drivers(table: pd.DataFrame, *, ci_level: float, ax=None):
    """Draw a forest plot: driver × dimension rows, one marker per stage (and the pooled mean)."""
    stages = list(dict.fromkeys(table.index.get_level_values("stage")))
    rows = list(dict.fromkeys(zip(table.index.get_level_values("driver"),
                                  table.index.get_level_values("dimension"), strict=True)))
    ax = _ax(ax, size=(6.5, 0.28 * len(rows) + 1.2))
    lo, hi = "ci_low", "ci_high"
    y0 = np.arange(len(rows))[::-1].astype(float)
    width = 0.7 / max(len(stages), 1)
    for s, stage in enumerate(stages):
        t = table.loc[stage].reindex(rows)
        y = y0 + 0.35 - (s + 0.5) * width
        ax.hlines(y, t[lo], t[hi], color=f"C{s}", lw=1.5)
        ax.plot(t["mean"], y, "o" if stage != "pooled" else "D", ms=4, color=f"C{s}", label=stage)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_yticks(y0, [f"{d} → {m}" for d, m in rows], fontsize=8)
    ax.set_xlabel(f"association with latent expectation, {ci_level:.0%} interval")
    ax.legend(fontsize=8, frameon=False, loc="best")
    ax.set_title("Drivers of expectations by customer stage")
    return ax


def plot_zone_of_tolerance(dimensions: pd.DataFrame, ax=None):
    """Plot the adequate–desired band per dimension with the mean perception marked."""
    ax = _ax(ax)
    y = np.arange(len(dimensions))[::-1]
    ax.barh(y, dimensions["desired"] - dimensions["adequate"], left=dimensions["adequate"], height=0.5,
            color="C0", alpha=0.3, label="zone of tolerance (A to D)")
    inside = (dimensions["perceived"] >= dimensions["adequate"]) & (dimensions["perceived"] <= dimensions["desired"])
    ax.scatter(dimensions["perceived"], y, c=np.where(inside, "C2", "C3"), zorder=3, label="perceived (mean)")
    ax.set_yticks(y, dimensions.index)
    ax.set_xlabel("mean answer")
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    ax.set_title("Zone of tolerance")
    return ax


def plot_predictive(check, axes=None):
    """Plot observed category shares (bars) against predictive means and intervals, one panel per block."""
    import matplotlib.pyplot as plt

    blocks = list(dict.fromkeys(check.table.index.get_level_values("block")))
    if axes is None:
        _, axes = plt.subplots(1, len(blocks), figsize=(3.2 * len(blocks), 2.8), layout="constrained",
                               squeeze=False)
        axes = axes[0]
    for ax, b in zip(axes, blocks, strict=True):
        t = check.table.loc[b]
        x = t.index.to_numpy()
        ax.bar(x, t["observed"], color="0.8", label="observed")
        ax.errorbar(x, t["predicted"], yerr=[t["predicted"] - t["ci_low"], t["ci_high"] - t["predicted"]],
                    fmt="o", color="C0", ms=3, label=f"{check.kind} predictive")
        ax.set_title(b)
        ax.set_xlabel("answer")
    axes[0].set_ylabel("share of answers")
    axes[0].legend(fontsize=7, frameon=False)
    return axes


def plot_loo_pit(table: pd.DataFrame, *, ax=None, seed: int = 0, level: float = 0.9, sims: int = 2000):
    """Plot the ECDF of LOO-PIT values minus the uniform CDF, with a simultaneous band for uniform values.

    The band is the ``level`` quantile of the largest ECDF deviation among ``sims`` seeded samples of as
    many uniform values (a Kolmogorov-Smirnov band): a calibrated model stays inside it at every point
    with probability about ``level``.
    """
    ax = _ax(ax)
    u = np.sort(table["pit"].to_numpy())
    n = u.size
    grid = np.linspace(0, 1, 201)
    ecdf = np.searchsorted(u, grid, side="right") / n
    rng = np.random.default_rng(seed)
    sim = np.sort(rng.uniform(size=(sims, n)), axis=1)
    i = np.arange(1, n + 1)
    dev = np.maximum((i / n - sim).max(axis=1), (sim - (i - 1) / n).max(axis=1))
    band = float(np.quantile(dev, level))
    ax.fill_between(grid, -band, band, color="0.85", label=f"{level:.0%} band (uniform)")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.plot(grid, ecdf - grid, color="C0", label="LOO-PIT")
    ax.set_xlabel("PIT value")
    ax.set_ylabel("ECDF − uniform")
    ax.set_title("LOO-PIT of the satisfaction answers")
    ax.legend(frameon=False, fontsize=8)
    return ax
