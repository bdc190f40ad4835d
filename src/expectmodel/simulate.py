"""Simulate survey answers with known truth from a :class:`~expectmodel.spec.Model`.

The latent constructs follow the structural model with unit variances
(standardised paths; exogenous constructs correlate ``exogenous_corr``).
Reflective indicators are ``x = lambda * eta + e``; composite indicators are
drawn from ``x | eta ~ N(a eta, R - a a')`` with ``a = R w`` so that
``eta = w'x`` holds exactly (the composite model of Dijkstra & Henseler).
Continuous answers are then optionally cut into a Likert scale.  Every call
takes a ``seed``; the truth is returned beside the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.spec import Model

__all__ = ["SimulatedSurvey", "survey", "survey_by_group"]


@dataclass(frozen=True)
class SimulatedSurvey:
    """Simulated answers and the population values that generated them.

    :func:`survey` makes it.

    Parameters
    ----------
    data : pandas.DataFrame
        The simulated answers, one column per indicator.
    model : Model
        The model simulated from.
    paths : pandas.DataFrame
        ``source, target, value``: the standardised population paths.
    loadings : pandas.Series
        Population loadings (reflective) or covariances with the composite, by (construct, indicator).
    weights : pandas.Series
        Population weights of composites by (construct, indicator); NaN for reflective constructs.
    latent_corr : pandas.DataFrame
        The population correlations of the constructs.
    latent : pandas.DataFrame
        The true construct scores.
    r2 : pandas.Series
        The population R^2 of each endogenous construct.
    seed : int, optional
        The seed the simulation used.

    Examples
    --------
    >>> import expectmodel as em
    >>> sim = em.simulate.survey(em.spec.templates.ecsi(), 50, paths=0.2, seed=1)
    >>> sim.data.shape, sim.seed
    ((50, 24), 1)
    """

    data: pd.DataFrame
    model: Model
    paths: pd.DataFrame  # source, target, value (standardised)
    loadings: pd.Series  # (construct, indicator) -> population loading (reflective) / cov with composite
    weights: pd.Series  # (construct, indicator) -> population weight (composites; NaN for reflective)
    latent_corr: pd.DataFrame
    latent: pd.DataFrame  # true construct scores
    r2: pd.Series
    seed: int | None = None

    @property
    def truth(self) -> pd.DataFrame:
        """The population values in the key columns of every ``to_frame()``, plus ``value``.

        The key columns are ``kind, lhs, op, rhs, group``, so that ``res.to_frame().merge(sim.truth)``
        lines estimates up with their truth.

        Examples
        --------
        >>> import expectmodel as em
        >>> sim = em.simulate.survey(em.spec.templates.ecsi(), 50, paths=0.2, seed=1)
        >>> sim.truth.query("kind == 'path'").head(2)[["lhs", "op", "rhs", "value"]].to_numpy().tolist()
        [['Expectation', '~', 'Image', 0.2], ['Satisfaction', '~', 'Image', 0.2]]
        """
        paths = pd.DataFrame({"kind": "path", "lhs": self.paths["target"], "op": "~", "rhs": self.paths["source"],
                              "group": "", "value": self.paths["value"]})
        outer = self.loadings.reset_index()
        loadings = pd.DataFrame({"kind": "loading", "lhs": outer["construct"], "op": "=~",
                                 "rhs": outer["indicator"], "group": "", "value": outer.iloc[:, 2]})
        w = self.weights.dropna().reset_index()
        weights = pd.DataFrame({"kind": "weight", "lhs": w["construct"], "op": "<~", "rhs": w["indicator"],
                                "group": "", "value": w.iloc[:, 2]})
        r2 = pd.DataFrame({"kind": "r2", "lhs": self.r2.index, "op": "r2", "rhs": "", "group": "",
                           "value": self.r2.to_numpy()})
        return pd.concat([paths, loadings, weights, r2], ignore_index=True)


def _path_value(paths: Mapping | float | None, source: str, target: str, default: float) -> float:
    if paths is None:
        return default
    if isinstance(paths, int | float):
        return float(paths)
    for key in ((source, target), f"{source}->{target}", f"{source} -> {target}"):
        if key in paths:
            return float(paths[key])
    return default


def survey(
    model: Model,
    n: int,
    *,
    paths: Mapping | float | None = None,
    loadings: Mapping[str, float] | float = 0.8,
    weights: Mapping[str, float] | None = None,
    exogenous_corr: float = 0.3,
    composite_corr: float = 0.5,
    scale: tuple[int, int] | None = None,
    location: float = 0.65,
    missing_rate: float = 0.0,
    missing_code: float | None = None,
    seed: int | None = None,
) -> SimulatedSurvey:
    """Draw ``n`` respondents from ``model`` with known parameters.

    Parameters
    ----------
    paths
        Standardised path coefficients, ``{"Source->Target": value}`` or
        ``{(source, target): value}``, or one number for all (default 0.3).
    loadings
        Reflective loadings per indicator (or one number for all).
    weights
        Composite weights per indicator (default equal); rescaled so the
        composite has unit variance.
    exogenous_corr, composite_corr
        Correlation among exogenous constructs, and among a composite's indicators.
    scale
        ``(low, high)`` integer Likert scale to cut answers into; ``None`` keeps them continuous.
    location
        Where the average answer sits on the scale (0 = low end, 1 = high end).
    missing_rate, missing_code
        Share of answers removed at random, written as ``missing_code`` (e.g. -99) or NaN.
    seed
        Seed of the random generator.

    Returns
    -------
    SimulatedSurvey
        The answers (``.data``) and the population values (``.truth``).

    Examples
    --------
    >>> import expectmodel as em
    >>> sim = em.simulate.survey(em.spec.templates.acsi(), 100, paths=0.25, scale=(1, 10), seed=4)
    >>> sim.data.shape
    (100, 15)
    >>> bool(sim.data.isin(range(1, 11)).all().all())
    True
    """
    if n < 1:
        raise SpecError(f"n must be positive, got {n}.")
    rng = np.random.default_rng(seed)
    names = model.names
    m = len(names)
    pos = {c: i for i, c in enumerate(names)}
    coef = np.zeros((m, m))
    for p in model.paths:
        coef[pos[p.source], pos[p.target]] = _path_value(paths, p.source, p.target, 0.3)

    phi = np.eye(m)
    exo = [pos[c] for c in model.exogenous]
    for a in exo:
        for b in exo:
            if a != b:
                phi[a, b] = exogenous_corr
    eta = np.empty((n, m))
    chol = np.linalg.cholesky(phi[np.ix_(exo, exo)])
    eta[:, exo] = rng.standard_normal((n, len(exo))) @ chol.T
    r2 = {}
    for c in model.topological_order:
        t = pos[c]
        pr = [pos[s] for s in model.predecessors(c)]
        if not pr:
            continue
        b = coef[pr, t]
        explained = float(b @ phi[np.ix_(pr, pr)] @ b)
        if explained >= 1:
            raise SpecError(f"The paths into '{c}' explain {explained:.2f} >= 1 of its variance; lower them.")
        r2[c] = explained
        done = [i for i in range(m) if i != t and (i in exo or names[i] in r2)]
        phi[t, done] = phi[done, t] = b @ phi[np.ix_(pr, done)]
        eta[:, t] = eta[:, pr] @ b + np.sqrt(1 - explained) * rng.standard_normal(n)

    columns: dict[str, np.ndarray] = {}
    lam_out, w_out = {}, {}
    for c in model.constructs:
        k = pos[c.name]
        q = len(c.indicators)
        if c.kind == "reflective":
            lam = np.array([loadings if isinstance(loadings, int | float) else loadings.get(i, 0.8)
                            for i in c.indicators], dtype=float)
            if np.any(np.abs(lam) > 1):
                raise SpecError(f"Loadings of '{c.name}' must lie in [-1, 1].")
            x = eta[:, [k]] * lam + rng.standard_normal((n, q)) * np.sqrt(1 - lam**2)
            lam_out.update({(c.name, i): v for i, v in zip(c.indicators, lam, strict=True)})
            w_out.update({(c.name, i): np.nan for i in c.indicators})
        else:
            r = np.full((q, q), composite_corr)
            np.fill_diagonal(r, 1.0)
            w = np.array([1.0 if weights is None else weights.get(i, 1.0) for i in c.indicators])
            w = w / np.sqrt(w @ r @ w)
            a = r @ w
            resid = r - np.outer(a, a)
            vals, vecs = np.linalg.eigh(resid)
            root = vecs * np.sqrt(np.clip(vals, 0, None))
            x = eta[:, [k]] * a + rng.standard_normal((n, q)) @ root.T
            lam_out.update({(c.name, i): v for i, v in zip(c.indicators, a, strict=True)})
            w_out.update({(c.name, i): v for i, v in zip(c.indicators, w, strict=True)})
        for j, item in enumerate(c.indicators):
            columns[item] = x[:, j]

    data = pd.DataFrame(columns)
    if scale is not None:
        lo, hi = scale
        mid = lo + location * (hi - lo)
        data = np.clip(np.rint(mid + data * (hi - lo) / 5), lo, hi).astype(float)
    if missing_rate > 0:
        holes = rng.random(data.shape) < missing_rate
        data = data.mask(holes, np.nan if missing_code is None else missing_code)
    if scale is not None and (missing_rate == 0 or missing_code is not None):
        data = data.astype(int)
    src, dst = np.nonzero(coef)
    path_frame = pd.DataFrame({"source": [names[i] for i in src], "target": [names[j] for j in dst],
                               "value": coef[src, dst]})
    idx = pd.MultiIndex.from_tuples(list(lam_out), names=["construct", "indicator"])
    return SimulatedSurvey(
        data=data, model=model, paths=path_frame,
        loadings=pd.Series(list(lam_out.values()), index=idx),
        weights=pd.Series(list(w_out.values()), index=idx),
        latent_corr=pd.DataFrame(phi, index=list(names), columns=list(names)),
        latent=pd.DataFrame(eta, columns=list(names)),
        r2=pd.Series(r2, dtype=float),
        seed=seed,
    )


def survey_by_group(model: Model, groups: Mapping[str, Mapping], *, column: str = "stage",
                    seed: int | None = None, **common) -> pd.DataFrame:
    """Concatenate :func:`survey` draws per group, with a group column.

    Parameters
    ----------
    model : Model
        The model every group is simulated from.
    groups : mapping of str to mapping
        Each group's :func:`survey` keywords by label, e.g. ``{label: {"n": ..., "paths": ...}}``.
    column : str, default "stage"
        The name of the group column.
    seed : int, optional
        Seed; each group draws from an independent child of it.
    **common
        :func:`survey` keywords shared by every group (a group's own keywords win).

    Returns
    -------
    pandas.DataFrame
        The groups' answers, one after another, with ``column`` naming the group.

    Examples
    --------
    >>> import expectmodel as em
    >>> groups = {"a": {"n": 30}, "b": {"n": 20, "paths": 0.4}}
    >>> df = em.simulate.survey_by_group(em.spec.templates.acsi(), groups, paths=0.2, seed=2)
    >>> df.shape, df["stage"].value_counts().to_dict()
    ((50, 16), {'a': 30, 'b': 20})
    """
    children = np.random.SeedSequence(seed).spawn(len(groups))
    frames = []
    for child, (label, kwargs) in zip(children, groups.items(), strict=True):
        opts = {**common, **kwargs}
        sim = survey(model, seed=int(child.generate_state(1)[0]), **opts)
        frames.append(sim.data.assign(**{column: label}))
    return pd.concat(frames, ignore_index=True)
