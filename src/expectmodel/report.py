"""The main job: a full ECSI analysis of the bundled survey, written to a report folder.

``expectmodel demo --out reports/ecsi`` (what ``make demo`` runs) writes the
summary (text and HTML), every table as CSV, the JSON export and the figures
(path diagram, IPMA, floodlight) as PNG and PDF. The PLS part reports what a CSI paper needs:
paths, reliability and validity, the 0-100 index and IPMA, mediation, model fit with the
Bollen-Stine test, PLSpredict with CVPAT, a moderation with its floodlight, and the comparison of
customer stages (MICOM, then MGA with adjusted p-values).

The module chooses no matplotlib backend: the CLI selects a file backend when
no ``MPLBACKEND`` is set. With ``progress=True`` every long step announces
itself on stderr (``[2/4] ... 0.4 s``), the bootstrap shows its progress bar
and the sampler its own.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import matplotlib.pyplot as plt

from expectmodel import datasets
from expectmodel.errors import SpecError
from expectmodel.sem import PLS
from expectmodel.sem.groups import MultiGroupPLS
from expectmodel.spec import Model, templates

__all__ = ["ecsi_report", "servqual_report"]

#: seconds between "still running" lines of a long step when stderr is not a terminal (a ``make demo`` log)
HEARTBEAT_SECONDS = 60.0


class _Steps:
    """Numbered, timed announcements of a report's steps on stderr (silent when ``show`` is False)."""

    def __init__(self, title: str, total: int, show: bool) -> None:
        self.title, self.total, self.show, self.done = title, total, show, 0

    def _print(self, text: str, end: str = "\n") -> None:
        print(text, end=end, file=sys.stderr, flush=True)

    @contextmanager
    def __call__(self, what: str, *, live: bool = False) -> Iterator[None]:
        """Announce ``what``; ``live=True`` for a step that prints its own progress (a bar) or runs long."""
        self.done += 1
        head = f"[{self.done}/{self.total}] {self.title}: {what}"
        if not self.show:
            yield
            return
        t0 = time.perf_counter()
        self._print(f"{head} ...", end="\n" if live else " ")
        try:
            with self._heartbeat(head, t0) if live else nullcontext():
                yield
        except BaseException:
            self._print(f"{head}: failed after {_seconds(time.perf_counter() - t0)}" if live else "failed")
            raise
        self._print(f"{head}: done in {_seconds(time.perf_counter() - t0)}" if live
                    else _seconds(time.perf_counter() - t0))

    @contextmanager
    def _heartbeat(self, head: str, t0: float) -> Iterator[None]:
        """In a log (stderr not a terminal), a line every HEARTBEAT_SECONDS so a long step is not silent."""
        if sys.stderr.isatty():
            yield
            return
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(HEARTBEAT_SECONDS):
                self._print(f"{head}: still running, {_seconds(time.perf_counter() - t0)}")

        thread = threading.Thread(target=beat, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def _seconds(t: float) -> str:
    return f"{t:.1f} s" if t < 120 else f"{t / 60:.1f} min"


def _save(fig, out: Path, stem: str) -> list[Path]:
    paths = [out / f"{stem}.png", out / f"{stem}.pdf"]
    fig.savefig(paths[0], dpi=200)
    fig.savefig(paths[1])
    plt.close(fig)
    return paths


def ecsi_report(out: str | Path = "reports/ecsi", n_boot: int = 5000, seed: int = 20261123,
                n_permutations: int = 2000, *, progress: bool = False) -> list[Path]:
    """Fit the ECSI model to :func:`~expectmodel.datasets.load_csi_survey` and write the report.

    ``progress=True`` announces each step with its time on stderr and shows the bootstrap's progress bar.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    step = _Steps("ECSI", 7, progress)
    survey = datasets.load_csi_survey()
    model = templates.ecsi()
    common = {"scale": (1, 10), "missing_values": [-99], "missing": "listwise"}
    with step(f"PLS fit and bootstrap, {n_boot:,} resamples; Bollen-Stine fit test", live=progress and n_boot > 0):
        res = PLS(model, bootstrap=n_boot, seed=seed, progress=progress, fit_test=min(n_boot, 2000) if n_boot else 0,
                  **common).fit(survey)
    written: list[Path] = []

    def table(frame, name: str, index: bool = True) -> None:
        path = out / f"{name}.csv"
        frame.to_csv(path, index=index)
        written.append(path)

    with step("summary, tables, IPMA and JSON"):
        (out / "summary.txt").write_text(res.summary().as_text() + "\n", encoding="utf-8")
        (out / "summary.html").write_text(res.summary().as_html(), encoding="utf-8")
        written += [out / "summary.txt", out / "summary.html"]
        table(res.to_frame(), "parameters", index=False)
        table(res.effects, "effects", index=False)
        table(res.reliability, "reliability")
        table(res.htmt, "htmt")
        table(res.htmt_inference, "htmt_inference", index=False)
        table(res.fornell_larcker, "fornell_larcker")
        table(res.cross_loadings, "cross_loadings")
        table(res.outer_vif, "outer_vif", index=False)
        table(res.inner_vif, "inner_vif", index=False)
        table(res.f2, "f2", index=False)
        table(res.index, "index")
        ipma = res.ipma("Loyalty")
        table(ipma.constructs, "ipma_constructs", index=False)
        table(ipma.indicators, "ipma_indicators", index=False)
        if n_boot:
            table(res.ipma_inference("Loyalty"), "ipma_inference", index=False)
        table(res.mediation, "mediation", index=False)
        table(res.indirect_effects, "indirect_effects", index=False)
        table(res.model_fit, "model_fit", index=False)
        res.to_json(out / "results.json")
        written.append(out / "results.json")

    with step("PLSpredict, 10 folds x 10 repetitions, CVPAT; Gaussian-copula test"):
        cv = res.plspredict(folds=10, repetitions=10, seed=seed)
        table(cv.items, "plspredict", index=False)
        table(cv.cvpat, "cvpat", index=False)
        (out / "plspredict.txt").write_text(cv.summary().as_text() + "\n", encoding="utf-8")
        written.append(out / "plspredict.txt")
        try:  # the Gaussian-copula endogeneity test of the loyalty equation (needs non-normal scores)
            copula = res.copula_test("Loyalty", n_boot=max(n_boot, 200), seed=seed)
            table(copula.table, "copula_loyalty", index=False)
            (out / "copula_loyalty.json").write_text(copula.to_json() + "\n", encoding="utf-8")
            written.append(out / "copula_loyalty.json")
        except SpecError as exc:
            (out / "copula_loyalty.txt").write_text(f"{exc}\n", encoding="utf-8")
            written.append(out / "copula_loyalty.txt")

    with step("moderation: Satisfaction x Image on Loyalty (two-stage), floodlight"):
        moderated = Model.from_syntax(model.to_syntax() + "\nLoyalty ~ Satisfaction:Image")
        mod = PLS(moderated, bootstrap=n_boot, seed=seed, **common).fit(survey)
        table(mod.moderation_effects, "moderation", index=False)
        table(mod.simple_slopes, "simple_slopes", index=False)
        if n_boot:
            table(mod.floodlight("Satisfaction:Image"), "floodlight", index=False)
            written += _save(mod.plot_floodlight("Satisfaction:Image").figure, out, "floodlight")

    with step("higher-order construct: Offer <~ Quality + Value (disjoint two-stage)"):
        hoc = Model.from_syntax("\n".join([
            *(line for line in model.to_syntax().splitlines() if "=~" in line),
            "Offer <~ Quality + Value",
            "Expectation ~ Image",
            "Offer ~ Expectation",
            "Satisfaction ~ Image + Expectation + Offer",
            "Loyalty ~ Image + Satisfaction + Complaints",
            "Complaints ~ Satisfaction",
        ]))
        second = PLS(hoc, bootstrap=min(n_boot, 1000), seed=seed, higher_order="disjoint", **common).fit(survey)
        table(second.higher_order_table, "higher_order", index=False)

    with step("figures (path diagram, IPMA)"):
        written += _save(res.plot_paths().figure, out, "path_diagram")
        written += _save(ipma.plot().figure, out, "ipma_loyalty")

    with step(f"fit by stage, MICOM and MGA, {n_permutations:,} permutations"):
        by_stage = MultiGroupPLS(PLS(model, bootstrap=min(n_boot, 1000), seed=seed, **common), by="stage",
                                 permutations=n_permutations).fit(survey)
        table(by_stage.paths, "paths_by_stage", index=False)
        table(by_stage.permutation_test(n_permutations, seed=seed), "stage_permutation_test", index=False)
        table(by_stage.micom_table, "micom_by_stage", index=False)
        table(by_stage.mga_table, "mga_by_stage", index=False)
        (out / "summary_by_stage.txt").write_text(by_stage.summary().as_text() + "\n", encoding="utf-8")
        written.append(out / "summary_by_stage.txt")
    return written


def servqual_report(out: str | Path = "reports/servqual", *, draws: int = 1700, tune: int = 250, chains: int = 2,
                    seed: int = 20261123, progress: bool = False) -> list[Path]:
    """Classical SERVQUAL / zone-of-tolerance scores and the latent-expectation model on the bundled survey.

    The latent fit's default, 2 chains x (250 tuning + 1,700 draws) on nutpie's JAX backend, is the
    shortest measured run that passes every gate on this model: 171 s from a fresh process with empty
    compile caches on 2 cores (R-hat 1.006, bulk ESS 562, tail ESS 446, no divergences); 1,400 draws
    missed the tail-ESS gate (338, sat_resid_sd). ``benchmarks/bench_latent_backends.py`` has the table.

    ``progress=True`` announces each step with its time on stderr and shows the sampler's progress bar
    (nutpie draws it on a terminal only; in a log a line every minute says the fit is still running).
    """
    from expectmodel import latent
    from expectmodel.sampling import SamplerConfig

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    step = _Steps("SERVQUAL", 4, progress)
    written: list[Path] = []

    def table(frame, name: str) -> None:
        frame.to_csv(out / f"{name}.csv")
        written.append(out / f"{name}.csv")

    def text(obj, name: str) -> None:
        (out / f"{name}.txt").write_text(str(obj.summary()) + "\n", encoding="utf-8")
        (out / f"{name}.html").write_text(obj.summary().as_html(), encoding="utf-8")
        written.extend([out / f"{name}.txt", out / f"{name}.html"])

    with step("classical SERVQUAL and zone-of-tolerance scores, tables and figure"):
        survey = datasets.load_servqual_survey()
        design = datasets.servqual_survey_design()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # D < A inversions are listed in a table below
            data = design.prepare(survey, missing_values=[-99])
            zot = latent.zone_of_tolerance(data)
        sq = latent.servqual(data)
        text(sq, "servqual_summary")
        table(sq.items, "servqual_items")
        table(sq.dimensions, "servqual_dimensions")
        table(sq.reliability, "servqual_reliability")
        table(sq.respondents, "servqual_respondents")
        text(zot, "zot_summary")
        table(zot.dimensions, "zot_dimensions")
        table(zot.inversions, "zot_inversions")
        written += _save(zot.plot().figure, out, "zone_of_tolerance")

    # nutpie's JAX backend: on this model (800 x 22 x 2, drivers by stage, free link) XLA compiles in ~16 s where
    # numba took 65 s on a fresh machine (loaded host), and a gradient costs 2.5-3.2 ms in the run
    # (benchmarks/bench_latent_backends.py, 2 cores, empty caches)
    sampler = SamplerConfig(draws=draws, tune=tune, chains=chains, seed=seed, progressbar=progress,
                            nutpie_backend="jax")
    est = latent.LatentExpectations(design, link="free", batteries=("E", "P"), sampler=sampler)
    with step(f"latent-expectation model: build, compile, NUTS {chains} chains x ({tune:,} tuning + {draws:,} draws)",
              live=progress):
        res = est.fit(data)
    with step("latent summary and tables", live=progress):
        text(res, "latent_summary")
        table(res.dimensions(), "latent_dimensions")
        table(res.link(), "latent_link")
        table(res.drivers(), "latent_drivers")
        table(res.scores(), "latent_scores")
        table(res.parameters(), "latent_parameters")
    with step("posterior predictive check, figures, diagnostics and posterior file", live=progress):
        ppc = res.ppc(seed=seed)
        table(ppc.table, "latent_ppc")
        written += _save(res.plot_gaps().figure, out, "latent_gaps")
        written += _save(res.plot_drivers().figure, out, "latent_drivers")
        written += _save(ppc.plot()[0].figure, out, "latent_ppc")
        (out / "latent_diagnostics.json").write_text(json.dumps(res.diagnostics.to_dict(), indent=1, default=str))
        written.append(out / "latent_diagnostics.json")
        res.to_netcdf(out / "latent_posterior.nc")
        written.append(out / "latent_posterior.nc")
    return written
