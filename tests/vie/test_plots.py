"""The VIE figures draw what their frames hold."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from expectmodel.vie.plots import plot_interaction, plot_motivation_distribution


def test_interaction_plot_has_one_line_per_level():
    f = pd.DataFrame({"expectancy": np.tile([0.0, 0.5, 1.0], 3), "level": np.repeat(["low", "mid", "high"], 3),
                      "predicted": np.arange(9.0), "ci_low": np.arange(9.0) - 1, "ci_high": np.arange(9.0) + 1})
    ax = plot_interaction(f, ylabel="repurchase")
    assert len(ax.lines) == 3 and ax.get_ylabel() == "repurchase"
    np.testing.assert_allclose(ax.lines[2].get_ydata(), [6, 7, 8])
    assert len(ax.collections) == 3  # one interval band per level
    plt.close(ax.figure)


def test_motivation_distribution_marks_the_mean_and_intervals():
    m = pd.DataFrame({"estimate": np.linspace(-1, 3, 40), "ci_low": np.linspace(-2, 2, 40),
                      "ci_high": np.linspace(0, 4, 40)})
    ax = plot_motivation_distribution(m)
    means = [line for line in ax.lines if line.get_label().startswith("mean")]
    assert means and np.isclose(means[0].get_xdata()[0], 1.0)
    assert ax.collections  # the interval segments
    plt.close(ax.figure)
