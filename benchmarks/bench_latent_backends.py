"""The demo's latent fit on a fresh machine: NUTS backends and draw counts, side by side (issue 17).

    python benchmarks/bench_latent_backends.py                      # the default table
    python benchmarks/bench_latent_backends.py --configs jax:2x400+600 numba:4x300+400 numpyro:2x400+600
    python benchmarks/bench_latent_backends.py --json benchmarks/results_bench_latent_backends.json

The model is the demo's (``expectmodel.report.servqual_report``): the bundled SERVQUAL survey, 800
respondents x 22 items x 2 batteries (E, P), drivers of expectations by customer stage, two satisfaction
items on the free link. A configuration is ``BACKEND:CHAINSxTUNE+DRAWS`` with BACKEND one of ``jax``,
``numba`` (nutpie's two compilers) and ``numpyro`` (pymc's numpyro bridge, on the CPU); ``:low_rank``
appended uses nutpie's low-rank mass-matrix adaptation.

Each configuration runs in a fresh Python process with empty compile caches (fresh temporary
``PYTENSOR_FLAGS=compiledir=...`` and ``NUMBA_CACHE_DIR``; JAX keeps no persistent cache unless told), as on
a fresh machine. Printed per configuration: seconds to import and build the graph, to compile (nutpie's
compile plus the first gradient, where XLA or numba compiles), to sample, and in all (process start to
diagnosed draws); leapfrog steps per draw and milliseconds per gradient; the gates on the identified
parameters (R-hat <= 1.01, bulk and tail ESS >= 400, 0 divergences, E-BFMI >= 0.3), and min bulk ESS per
second of the whole run. numpyro compiles inside its sampling call, so its compile and sampling times are
one figure. Machine load matters: run it through ``/work/briefs/timed`` (it prints the load average).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

T_START = time.perf_counter()

#: The table the default run measures: backends at one draw count, then draw counts on the fastest.
DEFAULT_CONFIGS = ("jax:2x300+500", "jax:4x250+250", "jax:2x300+500:low_rank", "jax:2x250+1400",
                   "numba:2x300+500", "numpyro:1x20+20")


def parse(config: str) -> dict:
    """``"jax:2x400+600[:low_rank]"`` -> {"backend", "chains", "tune", "draws", "adaptation"}."""
    parts = config.split(":")
    chains, rest = parts[1].split("x")
    tune, draws = rest.split("+")
    return {"config": config, "backend": parts[0], "chains": int(chains), "tune": int(tune), "draws": int(draws),
            "adaptation": parts[2] if len(parts) > 2 else "diag"}


def child(cfg: dict, seed: int) -> dict:
    """Fit the demo's latent model once in this process; every time measured from the process start."""
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")
    from expectmodel import datasets, latent
    from expectmodel.sampling import Gates, diagnose

    t_import = time.perf_counter()
    survey = datasets.load_servqual_survey()
    design = datasets.servqual_survey_design()
    data = design.prepare(survey, missing_values=[-99])
    est = latent.LatentExpectations(design, link="free", batteries=("E", "P"))
    prepared = est._prepare(data)
    model, identified = est._graph(prepared)
    t_build = time.perf_counter()
    out = {**cfg, "seed": seed, "import_s": t_import - T_START, "build_s": t_build - t_import,
           "n_params": int(sum(v.size for v in model.initial_point().values()))}
    if cfg["backend"] == "numpyro":
        import pymc as pm

        with model:
            tree = pm.sample(draws=cfg["draws"], tune=cfg["tune"], chains=cfg["chains"], cores=2, random_seed=seed,
                             nuts_sampler="numpyro", progressbar=False, compute_convergence_checks=False)
        t_sample = time.perf_counter()
        out.update(compile_s=None, sample_s=t_sample - t_build)
    else:
        import nutpie

        from expectmodel.sampling.backends import _nutpie_model

        compiled = _nutpie_model(model, None, cfg["backend"])
        # one chain of one tuning step and one draw: XLA compiles at the first gradient (numba mostly before)
        nutpie.sample(compiled, draws=1, tune=1, chains=1, cores=1, seed=seed, progress_bar=False)
        t_compile = time.perf_counter()
        tree = nutpie.sample(compiled, draws=cfg["draws"], tune=cfg["tune"], chains=cfg["chains"], cores=2, seed=seed,
                             save_warmup=False, progress_bar=False, adaptation=cfg["adaptation"])
        t_sample = time.perf_counter()
        out.update(compile_s=t_compile - t_build, sample_s=t_sample - t_compile)
    stats = tree["sample_stats"]
    steps = np.asarray(stats["n_steps"] if "n_steps" in stats else stats["tree_size"])  # nutpie | numpyro
    diag = diagnose(tree, identified, Gates())
    t_end = time.perf_counter()
    out.update(total_s=t_end - T_START, steps_per_draw=float(steps.mean()),
               # per gradient on one of the 2 cores, counting the tuning steps as the draws' (an estimate)
               ms_per_gradient_in_run=1e3 * out["sample_s"] * min(cfg["chains"], 2) / float(
                   steps.sum() * (cfg["tune"] + cfg["draws"]) / cfg["draws"]),
               max_rhat=float(diag.max_rhat), min_ess_bulk=float(diag.min_ess_bulk),
               min_ess_tail=float(diag.min_ess_tail), divergences=int(diag.divergences), min_bfmi=float(diag.min_bfmi),
               passed=bool(diag.passed), failures=list(diag.failures), worst=diag.worst,
               ess_bulk_per_s=float(diag.min_ess_bulk) / (t_end - T_START))
    return out


def row(r: dict) -> str:
    c = "-" if r.get("compile_s") is None else f"{r['compile_s']:6.1f}"
    return (f"{r['config']:<24} {r['import_s'] + r['build_s']:6.1f} {c:>6} {r['sample_s']:7.1f} {r['total_s']:7.1f} "
            f"{r['steps_per_draw']:6.1f} {r['ms_per_gradient_in_run']:6.2f} {r['max_rhat']:6.3f} "
            f"{r['min_ess_bulk']:6.0f} {r['min_ess_tail']:6.0f} {r['divergences']:4d} {r['min_bfmi']:5.2f} "
            f"{r['ess_bulk_per_s']:6.2f}  {'pass' if r['passed'] else 'FAIL'}")


HEADER = (f"{'config':<24} {'build':>6} {'compl':>6} {'sample':>7} {'total':>7} {'steps':>6} {'ms/gr':>6} "
          f"{'R-hat':>6} {'bulk':>6} {'tail':>6} {'div':>4} {'bfmi':>5} {'ESS/s':>6}  gates")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", nargs="*", default=list(DEFAULT_CONFIGS))
    ap.add_argument("--seed", type=int, default=20261123, help="the demo's seed")
    ap.add_argument("--json", help="append one JSON line per configuration here (configurations in it are skipped)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds allowed to one configuration")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(json.loads(args.child), args.seed), default=str), flush=True)
        return 0
    done = set()
    if args.json and os.path.exists(args.json):
        with open(args.json) as fh:
            for line in fh:
                prev = json.loads(line)
                done.add(prev["config"])
                print(row(prev) if "total_s" in prev else f"{prev['config']}: {prev.get('error')}")
    print(f"{os.cpu_count()} CPU cores; load {open('/proc/loadavg').read().split()[:3]}")
    print(HEADER, flush=True)
    for config in args.configs:
        if config in done:
            continue
        cfg = parse(config)
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "NUMBA_CACHE_DIR": os.path.join(tmp, "numba"),
                   "PYTENSOR_FLAGS": f"compiledir={os.path.join(tmp, 'pytensor')},blas__ldflags=-lopenblas",
                   "PYTHONWARNINGS": "ignore"}
            env.pop("JAX_COMPILATION_CACHE_DIR", None)
            try:
                proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(cfg), "--seed", str(args.seed)],
                                      env=env, capture_output=True, text=True, timeout=args.timeout)
                lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
                result = json.loads(lines[-1][7:]) if lines else {
                    "config": config, "error": proc.stderr.strip().splitlines()[-1:] or f"exit {proc.returncode}"}
            except subprocess.TimeoutExpired:
                result = {"config": config, "error": f"did not finish in {args.timeout:.0f} s"}
        result["load"] = open("/proc/loadavg").read().split()[:3]
        print(row(result) if "total_s" in result else f"{config}: {result['error']}", flush=True)
        if args.json:
            with open(args.json, "a") as fh:
                fh.write(json.dumps(result, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
