"""Matplotlib figures a paper can print: the path diagram and the IPMA map.

Every function takes tidy frames (and the spec), never a results object, so any estimator of a
:class:`~expectmodel.spec.Model` gets the same figures; each takes ``ax=None`` (a new figure) and
returns the Axes. No graphviz: constructs are laid out by their depth in the inner model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from expectmodel.spec import Model

__all__ = ["axes", "plot_ipma", "plot_path_diagram"]


def axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    """Return ``ax``, or the Axes of a new constrained-layout figure of ``size`` inches (the one axes helper).

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        An existing Axes, returned unchanged.
    size : tuple of float
        ``(width, height)`` of the new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = axes(None, (4, 3))
    >>> axes(ax, (8, 6)) is ax, ax.figure.get_size_inches().tolist()
    (True, [4.0, 3.0])
    >>> plt.close(ax.figure)
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _layout(model: Model) -> dict[str, tuple[float, float]]:
    depth: dict[str, int] = {}
    for name in model.topological_order:
        preds = model.predecessors(name)
        depth[name] = 1 + max((depth[p] for p in preds), default=-1)
    columns: dict[int, list[str]] = {}
    for name in model.names:
        columns.setdefault(depth[name], []).append(name)
    pos = {}
    for d, names in columns.items():
        if len(names) == 1:  # a chain (ECSI is one): zig-zag so that skip-level arrows stay visible
            pos[names[0]] = (2.0 * d, 0.0 if d in (0, max(columns)) else (0.9 if d % 2 else -0.9))
            continue
        for i, name in enumerate(names):
            pos[name] = (2.0 * d, 1.4 * ((len(names) - 1) / 2 - i))
    return pos


def plot_path_diagram(paths: pd.DataFrame, model: Model, *, r2: pd.Series | None = None, ax: Axes | None = None,
                      digits: int = 2, alpha: float = 0.05) -> Axes:
    """Draw constructs (with R^2) as ellipses, paths as arrows labelled with their coefficients.

    Parameters
    ----------
    paths : pandas.DataFrame
        One row per path with ``lhs`` (target), ``rhs`` (source), ``estimate`` and optionally ``p``
        (the ``kind == "path"`` rows of any ``to_frame()``).
    model : Model
        The spec (constructs, their kinds and the inner model's order).
    r2 : pandas.Series, optional
        R^2 by construct name, printed under the name.
    ax : matplotlib Axes, optional
    digits : int
        Decimals of the labels.
    alpha : float
        With a ``p`` column, paths with p < ``alpha`` are solid and the rest dashed.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import expectmodel as em
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
    ...              missing="listwise").fit(em.datasets.load_csi_survey())
    >>> paths = res.to_frame().query("kind == 'path'")
    >>> ax = plot_path_diagram(paths, res.model, r2=res.r2["r2"])
    >>> len(ax.patches) >= len(res.model.names)
    True
    >>> plt.close(ax.figure)
    """
    from matplotlib.patches import Ellipse

    pos = _layout(model)
    depth = max(x for x, _ in pos.values()) / 2 + 1
    height = max(abs(y) for _, y in pos.values()) * 2 + 1
    ax = axes(ax, (1.9 * depth + 1, 1.5 * height + 1.5))
    r2 = pd.Series(dtype=float) if r2 is None else r2
    for (x, y), name in ((xy, n) for n, xy in pos.items()):
        kind = model.construct(name).kind
        ax.add_patch(Ellipse((x, y), 1.3, 0.55, facecolor="#eef3fa" if kind == "reflective" else "#f6efe3",
                             edgecolor="#1f3b63", linewidth=1.2, zorder=2))
        label = name if name not in r2.index else f"{name}\nR² = {r2[name]:.{digits}f}"
        ax.text(x, y, label, ha="center", va="center", fontsize=9, zorder=3)
    for row in paths.itertuples():
        (x0, y0), (x1, y1) = pos[row.rhs], pos[row.lhs]
        vec = np.array([x1 - x0, y1 - y0])
        unit = vec / np.hypot(*vec)
        start = np.array([x0, y0]) + unit * np.array([0.65, 0.28])
        end = np.array([x1, y1]) - unit * np.array([0.65, 0.28])
        significant = not hasattr(row, "p") or not np.isfinite(row.p) or row.p < alpha
        ax.annotate("", xy=end, xytext=start, zorder=1,
                    arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 1.1,
                                "linestyle": "-" if significant else "--", "shrinkA": 0, "shrinkB": 0})
        mid = start + 0.45 * (end - start)
        ax.text(mid[0], mid[1] + 0.07, f"{row.estimate:.{digits}f}", ha="center", va="bottom", fontsize=8,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}, zorder=4)
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax


def plot_ipma(frame: pd.DataFrame, target: str, ax: Axes | None = None, level: str = "constructs",
              **kwargs: Any) -> Axes:
    """Plot importance (x) against performance (y), with mean lines splitting the four quadrants.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``importance``, ``performance`` and ``construct`` (or ``indicator`` with ``level="indicators"``).
    target : str
        The target construct (axis label and title).
    ax : matplotlib Axes, optional
    level : {"constructs", "indicators"}
    **kwargs
        Passed to ``Axes.scatter``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import expectmodel as em
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
    ...              missing="listwise").fit(em.datasets.load_csi_survey())
    >>> ax = plot_ipma(res.ipma("Loyalty").constructs, "Loyalty")
    >>> len(ax.texts)
    6
    >>> plt.close(ax.figure)
    """
    label = "construct" if level == "constructs" else "indicator"
    ax = axes(ax, (6, 4.5))
    ax.scatter(frame["importance"], frame["performance"], s=40, color="#1f3b63", zorder=3, **kwargs)
    for row in frame.itertuples():
        ax.annotate(getattr(row, label), (row.importance, row.performance), textcoords="offset points",
                    xytext=(5, 4), fontsize=8)
    ax.grid(alpha=0.3)
    ax.axvline(frame["importance"].mean(), color="grey", lw=0.8, ls="--")
    ax.axhline(frame["performance"].mean(), color="grey", lw=0.8, ls="--")
    ax.set_xlabel(f"Importance (unstandardised total effect on {target})")
    ax.set_ylabel("Performance (0-100)")
    ax.set_title(f"Importance-performance map: {target}")
    return ax
