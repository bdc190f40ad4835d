"""Person-level results of a latent-expectation fit: latent scores, scoring new respondents, satisfaction
bands, the latent zone of tolerance and score reliability (a mixin of :class:`~expectmodel.latent.LatentResults`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.latent._forward import latent_levels
from expectmodel.latent._tables import _interval_table, _with_level

__all__ = ["_ScoresMixin"]


class _ScoresMixin:
    """Latent scores and what is read from them, per respondent."""

    def scores(self) -> pd.DataFrame:
        """Tabulate person-level latent E*, P* and gap G* = P* − E* per dimension (posterior mean, SD, interval).

        Returns
        -------
        pandas.DataFrame
            Tidy: index (``respondent``, ``dimension``); columns ``{battery}_mean``,
            ``{battery}_std_error``, ``{battery}_ci_low``, ``{battery}_ci_high`` (and ``gap_...``,
            ``gap_prob_negative``). P and gap scores are NaN for stages without a P battery.
        """
        key = "scores"
        if key not in self._cache:
            lay = self.layout
            lev = latent_levels(self._params)  # (S, n, B, D)
            idx = pd.MultiIndex.from_product([self.data.index, lay.dims], names=["respondent", "dimension"])
            parts = []
            for b, name in enumerate(lay.batteries):
                parts.append(_interval_table(lev[:, :, b, :], self.ci_level, idx, f"{name}_"))
            iE, iP = lay.index("E"), lay.index("P")
            if iE is not None and iP is not None and lay.invariant:
                gap = lev[:, :, iP, :] - lev[:, :, iE, :]
                g = _interval_table(gap, self.ci_level, idx, "gap_")
                g["gap_prob_negative"] = (gap < 0).reshape(gap.shape[0], -1).mean(0)
                parts.append(g)
            out = pd.concat(parts, axis=1)
            if "P" in lay.batteries and self.design.no_perception:
                absent = np.isin(np.asarray(lay.stages, dtype=object)[lay.stage], self.design.no_perception)
                cols = [c for c in out.columns if c.startswith(("P_", "gap_"))]
                out.loc[np.repeat(absent, lay.D), cols] = np.nan
            self._cache[key] = _with_level(out, self.ci_level)
        return self._cache[key]

    def scoring_spec(self, *, draws: int = 1000, seed: int = 0) -> dict[str, Any]:
        """Return the scoring specification of new respondents' latent scores (program ``graded_response_eap``).

        The measurement model with its parameters at their posterior means (a plug-in EAP; see
        :mod:`expectmodel_scorer.programs.latent`): the answer columns of every modelled battery, then
        (with drivers) the driver columns and the stage code, go in; posterior means and SDs of each
        battery's level per dimension, and of the gap P - E, come out. No respondent-level data are in it.

        Parameters
        ----------
        draws : int
            Importance-sampling draws per respondent (Monte Carlo SE of a score about
            ``sd / sqrt(draws)`` when the Laplace proposal fits well).
        seed : int
            Seed of the importance draws (the same for every respondent: scores are reproducible).

        Returns
        -------
        dict
            ``program``, ``inputs``, ``outputs``, ``arrays``, ``settings`` (:mod:`expectmodel_scorer.programs`).

        Raises
        ------
        SpecError
            The model has scale-usage heterogeneity (a respondent's shift and stretch are not scored) or
            expectations stated as probabilities.

        Examples
        --------
        A fit is needed (it samples), so these lines are skipped when the doctests run:

        >>> spec = results.scoring_spec()  # doctest: +SKIP
        >>> import expectmodel_scorer
        >>> expectmodel_scorer.score(spec, new_answers)  # doctest: +SKIP
        """
        from expectmodel_scorer.programs.latent import outputs

        lay, design = self.layout, self.design
        if self.config.scale_usage:
            raise SpecError("scoring new respondents is not offered for scale_usage=True: their shift and stretch "
                            "would need their own answers in every battery; refit with scale_usage=False.")
        if lay.prob is not None:
            raise SpecError("scoring new respondents is not offered when expectations are stated as probabilities.")
        if self.config.free_items:
            raise SpecError("scoring new respondents is not offered for a partially invariant fit (free_items); "
                            "refit without the freed items to score.")
        if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 10:
            raise SpecError(f"draws must be an integer >= 10; got {draws!r}.")
        p = self._params
        mean = {k: np.asarray(p[k]).mean(axis=0) for k in ("mu", "sigma", "delta", "loading", "cut")}
        item_cuts = mean["cut"].ndim == 3
        mean["cut"] = mean["cut"].reshape(-1, lay.K - 1)  # (B' x J, K-1) with item-specific thresholds
        F = lay.B * lay.D
        corr = self.draws("corr").mean(axis=0) if "corr" in self.posterior else np.eye(F)
        codes = [float(v) for v in self.data.missing_values]
        inputs = []
        for b in lay.batteries:
            values = self.data.answers[b]
            for j, item in enumerate(lay.items):
                col = values[:, j]
                seen = col[np.isfinite(col)]
                inputs.append({"column": design.columns[b][item], "kind": "int", "scale": list(design.scale),
                               "codes": None, "missing_codes": codes,
                               "range": [float(seen.min()), float(seen.max())] if seen.size else None})
        q = 0
        gamma = np.zeros((1, 0, lay.D))
        d_mean = d_sd = np.zeros(0)
        if lay.drivers is not None and "Gamma" in p:
            q = len(lay.driver_names)
            gamma = np.asarray(p["Gamma"]).mean(axis=0)
            d_mean, d_sd = lay.driver_mean, lay.driver_sd
            raw = self.data.drivers
            for k, name in enumerate(lay.driver_names):
                inputs.append({"column": name, "kind": "float", "scale": None, "codes": None, "missing_codes": [],
                               "range": [float(raw[:, k].min()), float(raw[:, k].max())]})
            if gamma.shape[0] > 1:
                inputs.append({"column": design.stage, "kind": "category", "scale": None,
                               "codes": list(range(gamma.shape[0])), "missing_codes": [], "range": None})
        return {
            "program": "graded_response_eap",
            "inputs": inputs,
            "outputs": outputs(list(lay.batteries), list(lay.dims), bool(lay.invariant)),
            "arrays": {**mean, "corr": corr, "item_dim": lay.item_dim.astype(float), "gamma": gamma,
                       "driver_mean": np.asarray(d_mean, float), "driver_sd": np.asarray(d_sd, float)},
            "settings": {"batteries": list(lay.batteries), "dimensions": list(lay.dims),
                         "scale": list(design.scale), "invariant": bool(lay.invariant), "n_drivers": q,
                         "item_thresholds": bool(item_cuts),
                         "draws": int(draws), "seed": int(seed)},
        }

    def predict(self, new_data: pd.DataFrame, *, draws: int = 1000, seed: int = 0) -> pd.DataFrame:
        """Return latent scores E*, P* and the gap of new respondents (plug-in EAP, not refitted).

        Scores the answers through :meth:`scoring_spec` and :func:`expectmodel_scorer.score`, the same
        program a deployed bundle runs. Each respondent's latent levels are integrated over their
        posterior given their answers, with the model's parameters at their posterior means (so the
        parameters' own uncertainty is left out: the SDs are slightly narrower than :meth:`scores`').

        Parameters
        ----------
        new_data : pandas.DataFrame
            One row per respondent with the design's answer columns (missing answers as NaN or one of the
            fit's ``missing_values`` codes) and, for a model with drivers, the driver columns and the
            stage column (labels as in the fit). A ``design.respondent`` column becomes the index.
        draws, seed : int
            As in :meth:`scoring_spec`.

        Returns
        -------
        pandas.DataFrame
            Index (``respondent``, ``dimension``); columns ``{battery}_mean``, ``{battery}_std_error``
            and ``gap_mean``, ``gap_std_error`` (as :meth:`scores`). P and gap are NaN for stages without
            a P battery.

        Raises
        ------
        DataError
            A stage label the fit did not have, or a driver value that is missing.
        expectmodel_scorer.ScoringError
            A missing column or an answer outside the scale (named by column and row).

        Examples
        --------
        A fit is needed (it samples), so these lines are skipped when the doctests run:

        >>> new = latent.simulate_latent(100, link="gap", seed=9).data  # doctest: +SKIP
        >>> results.predict(new).xs("tangibles", level="dimension")["gap_mean"]  # doctest: +SKIP
        """
        import expectmodel_scorer
        from expectmodel.errors import DataError

        if not isinstance(new_data, pd.DataFrame):
            raise DataError(f"predict takes a pandas DataFrame of answers; got {type(new_data).__name__}.")
        spec = self.scoring_spec(draws=draws, seed=seed)
        lay, design = self.layout, self.design
        frame = new_data
        if design.respondent is not None and design.respondent in frame.columns:
            frame = frame.set_index(design.respondent)
        stage_codes = None
        if design.stage is not None and design.stage in frame.columns:
            labels = frame[design.stage].astype(object).to_numpy()
            known = {str(s): k for k, s in enumerate(lay.stages)}
            unknown = sorted({str(v) for v in labels if str(v) not in known})
            if unknown:
                raise DataError(f"column {design.stage!r} holds stage(s) {unknown} that the fit did not have; "
                                f"its stages are {list(lay.stages)}.")
            stage_codes = np.array([known[str(v)] for v in labels], dtype=np.intp)
            frame = frame.assign(**{design.stage: stage_codes})
        for name in (spec["settings"]["n_drivers"] and lay.driver_names) or ():
            if name in frame.columns and frame[name].isna().any():
                row = frame.index[np.flatnonzero(frame[name].isna().to_numpy())[0]]
                raise DataError(f"driver column {name!r} is missing at row {row!r}; the drivers shift the prior "
                                "of the expectations and must be complete.")
        scored = expectmodel_scorer.score(spec, frame)
        idx = pd.MultiIndex.from_product([frame.index, lay.dims], names=["respondent", "dimension"])
        cols = {}
        for b in lay.batteries:
            cols[f"{b}_mean"] = scored[[f"{b}[{d}]" for d in lay.dims]].to_numpy().ravel()
            cols[f"{b}_std_error"] = scored[[f"{b}[{d}]_sd" for d in lay.dims]].to_numpy().ravel()
        if f"gap[{lay.dims[0]}]" in scored.columns:
            cols["gap_mean"] = scored[[f"gap[{d}]" for d in lay.dims]].to_numpy().ravel()
            cols["gap_std_error"] = scored[[f"gap[{d}]_sd" for d in lay.dims]].to_numpy().ravel()
        out = pd.DataFrame(cols, index=idx)
        if "P" in lay.batteries and design.no_perception and stage_codes is not None:
            absent = np.isin(np.asarray(lay.stages, dtype=object)[stage_codes], design.no_perception)
            out.loc[np.repeat(absent, lay.D), [c for c in out.columns if c.startswith(("P_", "gap_"))]] = np.nan
        out.attrs["method"] = "plug-in EAP (posterior-mean parameters), importance sampling"
        return out

    def _levels(self) -> np.ndarray:
        """Posterior draws of every respondent's latent levels, (draws, n, B, D).

        P is NaN for respondents of stages without a P battery.
        """
        lev = latent_levels(self._params)
        lay = self.layout
        if "P" in lay.batteries and self.design.no_perception:
            absent = np.isin(np.asarray(lay.stages, dtype=object)[lay.stage], self.design.no_perception)
            lev = lev.copy()
            lev[:, absent, lay.index("P"), :] = np.nan
        return lev

    def bands(self, limits=None, *, dimension: str | None = None) -> pd.DataFrame:
        """Return each respondent's posterior probability of the five satisfaction bands from the latent gap.

        The bands (:data:`~expectmodel.latent.bands.BANDS`, very dissatisfied ... very satisfied) are set
        by how far the latent perception falls short of or exceeds the latent expectation: the person-level
        gap G* = P* - E* averaged over the dimensions (or of one ``dimension``), cut at ``limits``.

        Parameters
        ----------
        limits : sequence of 4 floats, optional
            Increasing borders between the bands on the logit scale (default
            :data:`~expectmodel.latent.bands.DEFAULT_BAND_LIMITS`, a convention: report yours).
        dimension : str, optional
            One dimension's gap instead of the mean over dimensions.

        Returns
        -------
        pandas.DataFrame
            Index respondent; a probability column per band, ``band`` (the most probable) and ``gap_mean``;
            NaN for stages without a P battery. ``attrs["limits"]`` records the limits.

        Raises
        ------
        SpecError
            The model has no latent gap (E and P under invariance), an unknown dimension, or bad limits.

        Examples
        --------
        A fit is needed (it samples), so these lines are skipped when the doctests run:

        >>> results.bands().iloc[:3]  # doctest: +SKIP
        >>> results.bands(limits=(-1.5, -0.5, 0.5, 1.5), dimension="reliability")  # doctest: +SKIP
        """
        from expectmodel.latent.bands import DEFAULT_BAND_LIMITS, band_probabilities

        lay = self.layout
        iE, iP = lay.index("E"), lay.index("P")
        if iE is None or iP is None or not lay.invariant:
            raise SpecError("satisfaction bands need the latent gap: E and P batteries fitted with invariance=True.")
        lev = self._levels()
        gap = lev[:, :, iP, :] - lev[:, :, iE, :]
        if dimension is None:
            g = gap.mean(axis=2)
        else:
            if dimension not in lay.dims:
                raise SpecError(f"unknown dimension {dimension!r}; the model has {list(lay.dims)}.")
            g = gap[:, :, lay.dims.index(dimension)]
        out = band_probabilities(g, DEFAULT_BAND_LIMITS if limits is None else limits,
                                 index=pd.Index(self.data.index, name="respondent"))
        out.attrs["dimension"] = dimension or "mean over dimensions"
        return out

    def in_zone(self) -> pd.DataFrame:
        """Return the posterior probability that each respondent's latent perception lies in the zone of tolerance.

        In zone: A* <= P* <= D* (adequate and desired service, on the latent metric the batteries share
        under invariance), per respondent and dimension. The latent counterpart of the classical
        :func:`~expectmodel.latent.zone_of_tolerance`.

        Returns
        -------
        pandas.DataFrame
            Index (``respondent``, ``dimension``); columns ``in_zone_probability``, ``below_probability``
            (P* < A*) and ``above_probability`` (P* > D*), which sum to 1 where D* >= A* in every draw.

        Raises
        ------
        SpecError
            The fit lacks the D, A or P battery, or was fitted without invariance.

        Examples
        --------
        A fit with D, A and P batteries is needed (it samples), so this line is skipped:

        >>> results.in_zone().groupby("dimension").mean()  # doctest: +SKIP
        """
        from expectmodel.latent.bands import in_zone_probability

        lay = self.layout
        if not {"D", "A", "P"} <= set(lay.batteries) or not lay.invariant:
            raise SpecError("the latent zone of tolerance needs the D, A and P batteries fitted together with "
                            f"invariance=True; this fit has {list(lay.batteries)}, invariance={lay.invariant}.")
        lev = self._levels()
        P, A, D = (lev[:, :, lay.index(b), :] for b in ("P", "A", "D"))
        idx = pd.MultiIndex.from_product([self.data.index, lay.dims], names=["respondent", "dimension"])
        out = pd.DataFrame({"in_zone_probability": in_zone_probability(P, A, D).ravel(),
                            "below_probability": (P < A).mean(axis=0).ravel(),
                            "above_probability": (P > D).mean(axis=0).ravel()}, index=idx)
        if self.design.no_perception:
            absent = np.isnan(P).any(axis=0).ravel()
            out.loc[absent] = np.nan
        return out

    def score_reliability(self) -> pd.DataFrame:
        """Compute the empirical reliability of the person scores per battery × dimension.

        var(posterior means) / (var(posterior means) + mean posterior variance); its square
        root is the expected correlation of the posterior-mean scores with the true levels.

        Returns
        -------
        pandas.DataFrame
            Index (``battery``, ``dimension``); column ``reliability``.
        """
        sc = self.scores()
        rows = []
        for b in self.layout.batteries:
            for dim in self.layout.dims:
                t = sc.xs(dim, level="dimension")[[f"{b}_mean", f"{b}_std_error"]].dropna()
                v = t[f"{b}_mean"].var(ddof=1)
                rows.append({"battery": b, "dimension": dim,
                             "reliability": v / (v + np.mean(np.square(t[f"{b}_std_error"])))})
        return pd.DataFrame(rows).set_index(["battery", "dimension"])
