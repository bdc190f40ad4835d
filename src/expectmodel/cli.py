"""Command line: ``expectmodel pls DATA.csv --model MODEL.txt [--boot N --seed S --json OUT.json]``.

``expectmodel score MODEL DATA -o OUT`` scores a CSV or Parquet file with a bundle written by
``expectmodel.save``, in chunks (bounded memory, a progress bar); ``expectmodel inspect MODEL`` prints
what a bundle holds.

Every :class:`~expectmodel.errors.ExpectmodelError` ends the command without a traceback:
``error: <message>`` on stderr (a model-syntax error adds its source line and caret) and exit
status 2, as for argparse's own usage errors.
Commands that draw (``demo``) select matplotlib's file backend (Agg) unless
``MPLBACKEND`` names one; ``import expectmodel`` itself never chooses a backend.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from expectmodel.errors import DataError, ExpectmodelError

__all__ = ["main"]


def _scale(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--scale takes LOW,HIGH such as 1,10; got {text!r}") from None
    return lo, hi


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="expectmodel", description="Customer expectation and satisfaction models.")
    sub = parser.add_subparsers(dest="command", required=True)
    pls = sub.add_parser("pls", help="fit a PLS path model to a CSV file")
    pls.add_argument("data", type=Path, help="CSV file, one row per respondent")
    pls.add_argument("--model", type=Path, required=True, help="model file in lavaan-style syntax")
    pls.add_argument("--scheme", choices=["path", "centroid", "factorial"], default="path")
    pls.add_argument("--consistent", action="store_true", help="consistent PLS (PLSc)")
    pls.add_argument("--boot", type=int, default=0, help="bootstrap resamples (default 0)")
    pls.add_argument("--seed", type=int, default=None, help="bootstrap seed")
    pls.add_argument("--scale", type=_scale, default=None, help="answer scale LOW,HIGH (e.g. 1,10)")
    pls.add_argument("--missing-values", type=float, nargs="*", default=[], metavar="CODE",
                     help="codes meaning 'no answer', e.g. -99")
    pls.add_argument("--missing", choices=["raise", "listwise", "pairwise", "mean"], default="raise")
    pls.add_argument("--groups", default=None,
                     help="column with group labels: fit each group (MultiGroupPLS) and print them side by side")
    pls.add_argument("--json", type=Path, default=None, help="write the results as JSON here")
    pls.add_argument("--quiet", action="store_true", help="do not print the summary")
    demo = sub.add_parser("demo", help="full ECSI and SERVQUAL analyses of the bundled surveys, written to folders")
    demo.add_argument("--out", type=Path, default=Path("reports/ecsi"),
                      help="ECSI report folder (default reports/ecsi)")
    demo.add_argument("--servqual-out", type=Path, default=Path("reports/servqual"),
                      help="SERVQUAL / latent-expectation report folder (default reports/servqual)")
    demo.add_argument("--draws", type=int, default=1700, help="posterior draws per chain of the latent model")
    demo.add_argument("--tune", type=int, default=250, help="tuning steps per chain of the latent model")
    demo.add_argument("--chains", type=int, default=2, help="chains of the latent model (default 2)")
    demo.add_argument("--skip-latent", action="store_true", help="only the ECSI (PLS) report")
    demo.add_argument("--boot", type=int, default=5000, help="bootstrap resamples (default 5000)")
    demo.add_argument("--seed", type=int, default=20261123)
    score = sub.add_parser("score", help="score a CSV or Parquet file with a saved model bundle (streamed in chunks)")
    score.add_argument("model", type=Path, help="bundle folder or .zip written by expectmodel.save")
    score.add_argument("data", type=Path, help="CSV or Parquet file, one row per respondent")
    score.add_argument("-o", "--out", type=Path, required=True, help="output file (.csv or .parquet)")
    score.add_argument("--chunksize", type=int, default=100_000, help="rows per chunk (default 100000)")
    score.add_argument("--keep", nargs="*", default=[], metavar="COLUMN",
                       help="columns copied from the data to the output (an id column)")
    score.add_argument("--extra", choices=["ignore", "warn", "raise"], default="ignore",
                       help="columns of the data that the model does not read (default: ignore)")
    bar = score.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="show a progress bar (default: when stderr is a terminal)")
    bar.add_argument("--no-progress", dest="progress", action="store_false")
    inspect = sub.add_parser("inspect", help="print what a model bundle holds (verifying it first)")
    inspect.add_argument("model", type=Path, help="bundle folder or .zip")
    return parser


def _file_backend() -> None:
    """Agg (files only, no display) for commands that draw, unless ``MPLBACKEND`` already names a backend."""
    if not os.environ.get("MPLBACKEND"):
        import matplotlib

        matplotlib.use("Agg")


def _read_csv(path: Path):
    """Read the CSV at ``path`` as a DataFrame; a missing, empty or header-only file is a :class:`DataError`."""
    import pandas as pd

    if not path.is_file():
        raise DataError(f"Data file '{path}' does not exist.")
    try:
        data = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"Data file '{path}' is empty: expected a header line and one row per respondent.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"Data file '{path}' is not a readable CSV file: {exc}") from None
    if data.empty:
        raise DataError(f"Data file '{path}': the data have a header but no rows.")
    return data


def _demo(args: argparse.Namespace) -> None:
    _file_backend()
    from expectmodel.report import ecsi_report, servqual_report

    written = ecsi_report(args.out, n_boot=args.boot, seed=args.seed, progress=True)
    print((args.out / "summary.txt").read_text(encoding="utf-8"))
    print(f"ECSI report: {len(written)} files in {args.out.resolve()}", flush=True)
    if not args.skip_latent:
        written = servqual_report(args.servqual_out, draws=args.draws, tune=args.tune, chains=args.chains,
                                  seed=args.seed, progress=True)
        print((args.servqual_out / "latent_summary.txt").read_text(encoding="utf-8"))
        print(f"SERVQUAL / latent-expectation report: {len(written)} files in {args.servqual_out.resolve()}")


def _pls(args: argparse.Namespace) -> None:
    from expectmodel.sem import PLS, MultiGroupPLS

    if not args.model.is_file():
        raise ExpectmodelError(f"Model file '{args.model}' does not exist.")
    data = _read_csv(args.data)
    est = PLS(args.model.read_text(encoding="utf-8"), scheme=args.scheme, consistent=args.consistent,
              bootstrap=args.boot, seed=args.seed, scale=args.scale, missing=args.missing,
              missing_values=tuple(args.missing_values), progress=args.boot > 0 and sys.stderr.isatty())
    if args.groups is not None:
        est = MultiGroupPLS(est, by=args.groups)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = est.fit(data)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    if not args.quiet:
        print(res.summary().as_text())
    if args.json is not None:
        res.to_json(args.json)
        print(f"wrote {args.json}", file=sys.stderr)


def _score(args: argparse.Namespace) -> None:
    import time

    from expectmodel.export._stream import score_file

    start = time.perf_counter()
    rows = score_file(args.model, args.data, args.out, chunksize=args.chunksize, keep=args.keep, extra=args.extra,
                      progress=args.progress)
    seconds = time.perf_counter() - start
    print(f"scored {rows:,} rows in {seconds:.1f} s into {args.out}{_peak_memory()}", file=sys.stderr)


def _peak_memory() -> str:
    """Report the peak resident memory of the process (Linux: VmHWM, which an exec resets), or nothing."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return f" (peak memory {int(line.split()[1]) / 1024:.0f} MiB)"
    except OSError:
        pass
    return ""


def _inspect(args: argparse.Namespace) -> None:
    from expectmodel.export import inspect

    print(inspect(args.model))


def main(argv: list[str] | None = None) -> int:
    """Run the ``expectmodel`` command line (the ``pls``, ``demo``, ``score`` and ``inspect`` commands).

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 2 after an :class:`~expectmodel.errors.ExpectmodelError`
        (its message goes to stderr as ``error: <message>``, without a traceback).

    Examples
    --------
    >>> main(["pls", "survey.csv", "--model", "no-such-model.txt"])  # prints the error on stderr
    2
    """
    args = _parser().parse_args(argv)
    try:
        {"demo": _demo, "pls": _pls, "score": _score, "inspect": _inspect}[args.command](args)
    except ExpectmodelError as exc:
        # no traceback: ``error: <message>``; a syntax error's source line and caret follow on their own lines
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
