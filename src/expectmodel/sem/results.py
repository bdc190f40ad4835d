"""The immutable results of a PLS fit: tidy tables, inference, summary, JSON.

Arrays from the batched core are labelled here and nowhere else.  Derived
tables are computed on first use (``cached_property``); the object itself is
frozen. The methods live by idea in private modules, mixed into :class:`PLSResults`: what a fit records
(``_record``), the parameter table and its bootstrap inference (``_inference``), indirect effects and
mediation (``_indirect``), model fit and quality criteria (``_assessment``), the side analyses
(``_analyses``), scoring new data (``_scoring``), the summary and the JSON content (``_reporting``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel.errors import SpecError
from expectmodel.results import Meta, ResultsBase
from expectmodel.sem import _kernel as k
from expectmodel.sem._analyses import SLOPE_POINTS, AnalysesMixin  # noqa: F401 (SLOPE_POINTS: kept importable here)
from expectmodel.sem._assessment import AssessmentMixin
from expectmodel.sem._estimates import Options, StackEstimates, index_weights
from expectmodel.sem._indirect import MediationMixin
from expectmodel.sem._inference import InferenceMixin
from expectmodel.sem._record import CONVENTIONS, FitRecord, build_meta
from expectmodel.sem._reporting import _content, _summary
from expectmodel.sem._scoring import ScoringMixin
from expectmodel.sem.bootstrap import BootstrapDraws
from expectmodel.spec import Model
from expectmodel.summary import Summary

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from expectmodel.sem._data import PreparedData
    from expectmodel.sem.higher_order import HigherOrder
    from expectmodel.sem.moderation import Moderation

__all__ = ["CONVENTIONS", "FitRecord", "PLSResults", "build_meta"]


@dataclass(frozen=True, repr=False, eq=False)
class PLSResults(InferenceMixin, MediationMixin, AssessmentMixin, AnalysesMixin, ScoringMixin, ResultsBase):
    """Estimates of one :class:`~expectmodel.spec.Model` on one data set.

    Every table is a tidy :class:`pandas.DataFrame`; :meth:`to_frame` stacks all
    parameters with their bootstrap inference; :meth:`summary` renders the
    usual report; :meth:`to_dict` / :meth:`to_json` export with full metadata.

    :meth:`PLS.fit <expectmodel.sem.PLS.fit>` makes it; the constructor's arguments are the fit's
    internal arrays. The properties and tables (``paths``, ``r2``, ``reliability``, ``htmt``,
    ``index``, ...) share the example below instead of one each.

    Parameters
    ----------
    model : Model
        The specification that was fitted.
    layout : Layout
        The indicator blocks and inner model as index arrays.
    options : Options
        The estimation settings (inner scheme, PLSc, tolerance).
    prepared : PreparedData
        The checked data and its moments.
    mean, sd : numpy.ndarray
        Indicator means and standard deviations (the data's scale).
    s : numpy.ndarray
        The indicator correlation matrix the fit used.
    est : StackEstimates
        The point estimates.
    boot : BootstrapDraws or None
        The bootstrap draws, when the fit was bootstrapped.
    ci_level : float
        The interval level of ``to_frame()``'s ``ci_low``/``ci_high``.
    record : FitRecord
        The settings and seed at fit time; ``meta`` (the frozen :class:`~expectmodel.results.Meta`) is
        built from it on first use.
    group : str, optional
        The group's label, for one group of a :class:`~expectmodel.sem.MultiGroupPLS` fit.

    Examples
    --------
    >>> import expectmodel as em
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
    ...              missing="listwise").fit(em.datasets.load_csi_survey())
    >>> res.to_frame().columns[:9].tolist()
    ['kind', 'lhs', 'op', 'rhs', 'group', 'estimate', 'std_error', 'ci_low', 'ci_high']
    >>> res.meta.data.n_dropped
    240
    >>> res.converged, res.iterations, res.n
    (True, 5, 360)
    >>> res.r2.columns.tolist(), res.index.columns.tolist()
    (['r2', 'adj_r2'], ['index'])
    >>> res.paths.columns.tolist()
    ['source', 'target', 'estimate']
    """

    schema: ClassVar[str] = "expectmodel.pls"
    schema_version: ClassVar[int] = 2

    model: Model
    layout: k.Layout
    options: Options
    prepared: PreparedData
    mean: np.ndarray
    sd: np.ndarray
    s: np.ndarray
    est: StackEstimates
    boot: BootstrapDraws | None
    ci_level: float
    record: FitRecord
    group: str | None = field(default=None)
    fit_draws: tuple[np.ndarray, np.ndarray] | None = field(default=None)
    row_weights: np.ndarray | None = field(default=None)
    moderation: Moderation | None = field(default=None)
    higher_order: HigherOrder | None = field(default=None)

    @cached_property
    def meta(self) -> Meta:
        """The frozen record of the fit: every setting, data provenance, conventions, versions, seed."""
        return build_meta(self.record, self.model, self.prepared, self.est, self.boot, self.group, self.row_weights)

    # -- basic labelled estimates -------------------------------------------------------------
    @property
    def converged(self) -> bool:
        """Whether the weights converged within the iteration limit."""
        return bool(self.est.converged[0])

    @property
    def iterations(self) -> int:
        """The number of PLS iterations the point estimate took."""
        return int(self.est.iterations[0])

    @property
    def n(self) -> int:
        """The number of respondents used (after missing-value handling)."""
        return self.prepared.n

    @cached_property
    def _block_names(self) -> list[str]:
        return [c.name for c in self.model.constructs for _ in c.indicators]

    @cached_property
    def outer(self) -> pd.DataFrame:
        """Outer weights and loadings, one row per indicator."""
        return pd.DataFrame({
            "construct": self._block_names,
            "indicator": list(self.model.indicators),
            "weight": self.est.weights[0],
            "loading": self.est.loadings[0],
        })

    @property
    def weights(self) -> pd.Series:
        """Standardised outer weights indexed by (construct, indicator)."""
        return self.outer.set_index(["construct", "indicator"])["weight"]

    @property
    def loadings(self) -> pd.Series:
        """Own-construct loadings indexed by (construct, indicator)."""
        return self.outer.set_index(["construct", "indicator"])["loading"]

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        """Correlation of every indicator with every construct score."""
        return pd.DataFrame(self.est.cross_loadings[0], index=list(self.model.indicators),
                            columns=list(self.model.names))

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Structural paths (source, target, estimate), in the model's path order."""
        names = self.model.names
        src, dst = np.nonzero(self.layout.adjacency)
        return pd.DataFrame({"source": [names[i] for i in src], "target": [names[j] for j in dst],
                             "estimate": self.est.paths[0][src, dst]})

    @cached_property
    def path_matrix(self) -> pd.DataFrame:
        """Path coefficients as a wide matrix, rows = sources, columns = targets (seminr's layout)."""
        names = list(self.model.names)
        return pd.DataFrame(self.est.paths[0], index=names, columns=names)

    @cached_property
    def r2(self) -> pd.DataFrame:
        """R^2 and adjusted R^2 of each endogenous construct."""
        n = self.n
        rows = {}
        for kk in self.layout.endogenous:
            r2 = float(self.est.r2[0, kk])
            q = self.layout.preds[kk].size
            rows[self.model.names[kk]] = {"r2": r2, "adj_r2": 1 - (1 - r2) * (n - 1) / (n - q - 1)}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("construct")

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects for every pair connected by a directed path."""
        names = self.model.names
        direct, total = self.est.paths[0], self.est.total[0]
        rows = [(names[i], names[j], direct[i, j], total[i, j] - direct[i, j], total[i, j])
                for i in range(self.layout.m) for j in range(self.layout.m)
                if self.layout.adjacency[i, j] or abs(total[i, j]) > 0]
        return pd.DataFrame(rows, columns=["source", "target", "direct", "indirect", "total"])


    @cached_property
    def construct_correlations(self) -> pd.DataFrame:
        """Construct correlations used for the paths (disattenuated under PLSc)."""
        names = list(self.model.names)
        return pd.DataFrame(self.est.corr_used[0], index=names, columns=names)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Standardised construct scores, one row per respondent used.

        Under ``missing="pairwise"`` a missing answer enters its construct's score at the indicator's
        mean (z = 0), so every respondent gets a score from the answers they gave.
        """
        z = (self.prepared.values - self.mean) / self.sd
        if self.prepared.pairwise is not None:
            z = np.nan_to_num(z, nan=0.0)
        return pd.DataFrame(z @ self.est.weights_full[0], index=self.prepared.index,
                            columns=list(self.model.names))

    # -- index and IPMA ------------------------------------------------------------------------
    def _require_scale(self, what: str) -> None:
        if np.isnan(self.prepared.scale_low).all():
            raise SpecError(f"The {what} needs the answer scale: fit with scale=(low, high), e.g. scale=(1, 10).")

    @cached_property
    def index(self) -> pd.DataFrame:
        """ACSI-style 0-100 index per construct (anchored at the declared scale ends), with bootstrap CI."""
        self._require_scale("0-100 index")
        out = pd.DataFrame({"index": self.est.index[0]}, index=pd.Index(self.model.names, name="construct"))
        inf = self._inference("index")
        if inf is not None:
            for col in ("std_error", "ci_low", "ci_high", "bca_low", "bca_high"):
                if col in inf:
                    out[col] = inf[col]
        return out.dropna(subset=["index"])

    @cached_property
    def index_weights(self) -> pd.Series:
        """The rescaled unstandardised weights omega behind the index (sum to 1 within a block)."""
        omega = index_weights(self.est.weights, self.sd[None], self.layout)[0]
        return pd.Series(omega, index=pd.MultiIndex.from_arrays([self._block_names, list(self.model.indicators)],
                                                                names=["construct", "indicator"]))

    # -- reporting -----------------------------------------------------------------------------
    def summary(self, digits: int = 3) -> Summary:
        """Render a statsmodels-style summary (text, HTML, LaTeX, CSV).

        Parameters
        ----------
        digits : int, default 3
            Decimals shown in the tables.

        Returns
        -------
        Summary
            ``str()`` gives the text; ``.as_html()``, ``.as_latex()``, ``.as_csv()`` the others.

        Examples
        --------
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="listwise").fit(em.datasets.load_csi_survey())
        >>> print(str(res.summary(digits=2)).splitlines()[1].strip())
        PLS path model
        """
        return _summary(self, digits)

    def _repr_facts(self) -> str:
        status = "converged" if self.converged else "NOT converged"
        grp = f", group={self.group!r}" if self.group is not None else ""
        boot = f", bootstrap={self.boot.n_boot}" if self.boot else ""
        return (f"{len(self.model.names)} constructs, {self.layout.p} indicators, n={self.n}"
                f"{grp}, scheme={self.options.scheme}, {status} in {self.iterations} iterations{boot}")

    def _to_dict(self) -> dict[str, Any]:
        """Return the family's content of :meth:`to_dict` (the schema of ``expectmodel pls --json``)."""
        return _content(self)

    # -- plots ---------------------------------------------------------------------------------
    def plot_paths(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Draw the path diagram: constructs with R^2, arrows labelled with path coefficients (and significance).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when omitted.
        **kwargs
            Passed to :func:`expectmodel.plotting.plot_path_diagram`.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="listwise").fit(em.datasets.load_csi_survey())
        >>> ax = res.plot_paths()
        >>> type(ax).__name__
        'Axes'
        >>> plt.close(ax.figure)
        """
        from expectmodel.plotting import plot_path_diagram

        paths = self.to_frame().query("kind == 'path'")
        return plot_path_diagram(paths, self.model, r2=self.r2["r2"], ax=ax, **kwargs)

    def plot_ipma(self, target: str, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Draw the importance-performance map of the constructs that affect ``target``.

        Parameters
        ----------
        target : str
            An endogenous construct (see :meth:`ipma`).
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when omitted.
        **kwargs
            Passed to :meth:`IPMA.plot <expectmodel.sem.IPMA.plot>` (``level="indicators"``, ...).

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import expectmodel as em
        >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
        ...              missing="listwise").fit(em.datasets.load_csi_survey())
        >>> ax = res.plot_ipma("Loyalty")
        >>> ax.get_xlabel() != ""
        True
        >>> plt.close(ax.figure)
        """
        return self.ipma(target).plot(ax=ax, **kwargs)

