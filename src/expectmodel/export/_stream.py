"""Score a CSV or Parquet file in chunks, with bounded memory (``expectmodel score``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from expectmodel.errors import DataError, ExportError, ParameterError
from expectmodel_scorer import Scorer, ScoringError, load_scorer

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def _format(path: Path, what: str) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ParameterError(f"{what} '{path}' must end in .csv or .parquet; got {path.suffix or 'no suffix'!r}.")
    return fmt


def _header(path: Path, fmt: str) -> list[str]:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetFile(path).schema_arrow.names)
    return list(pd.read_csv(path, nrows=0).columns)


def _csv_chunks(path: Path, columns: list[str], numeric: list[str], chunksize: int) -> Iterator[pd.DataFrame]:
    try:
        import pyarrow as pa
        import pyarrow.csv as pcsv
    except ImportError:  # pragma: no cover - pandas' own reader
        yield from pd.read_csv(path, usecols=columns, chunksize=chunksize)
        return
    # pyarrow's streaming reader, one thread, blocks of 4 MiB of text (its parallel read-ahead held several
    # 16 MiB blocks at once: 450 MiB for a 48 MiB file); the numeric input columns read as float64 (a text
    # value fails to convert, and the message names the column), other columns as they come
    convert = pcsv.ConvertOptions(include_columns=columns, column_types={c: pa.float64() for c in numeric})
    read = pcsv.ReadOptions(block_size=4 * 2**20, use_threads=False)
    reader = pcsv.open_csv(path, read_options=read, convert_options=convert)
    buffer: list[pd.DataFrame] = []
    rows = 0
    for batch in reader:
        part = batch.to_pandas()
        buffer.append(part)
        rows += len(part)
        if rows >= chunksize:
            yield pd.concat(buffer, ignore_index=True) if len(buffer) > 1 else buffer[0]
            buffer, rows = [], 0
    if buffer:
        yield pd.concat(buffer, ignore_index=True) if len(buffer) > 1 else buffer[0]


def _parquet_chunks(path: Path, columns: list[str], chunksize: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunksize, columns=columns):
        yield batch.to_pandas()


class _Writer:
    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt, self._writer, self._first = path, fmt, None, True

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema)
            self._writer.write_table(table)
        else:
            import pyarrow.csv as pcsv

            if self._writer is None:
                self._writer = pcsv.CSVWriter(self.path, table.schema)
            self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def score_file(model: str | Path | Scorer, data: str | Path, out: str | Path, *, chunksize: int = 100_000,
               keep: Sequence[str] = (), extra: str = "ignore", progress: bool | None = None) -> int:
    """Score a CSV or Parquet file chunk by chunk into a CSV or Parquet file (what ``expectmodel score`` runs).

    Memory is bounded by the chunk, not the file: only the input columns (and ``keep``) are read, one
    chunk at a time, and each chunk's outputs are appended to ``out``. ``out`` is written under a
    temporary name and renamed when every row is scored, so a failure leaves no half-written file.

    Parameters
    ----------
    model : str, pathlib.Path or Scorer
        A bundle (verified first) or a scorer.
    data, out : str or pathlib.Path
        Input and output files, ``.csv`` or ``.parquet``.
    chunksize : int
        Rows per chunk.
    keep : sequence of str
        Columns copied from the data to the output, before the outputs (an id column).
    extra : {"ignore", "warn", "raise"}
        What to do about columns of the data that the model does not read (checked on the header).
    progress : bool, optional
        Show a progress bar on stderr (default: when stderr is a terminal).

    Returns
    -------
    int
        The number of rows scored.

    Raises
    ------
    ExportError
        For an invalid bundle.
    DataError
        For a missing file or column, or data the scorer refuses (the message names the column and, with
        the chunk's offset, the rows).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from expectmodel_scorer import Scorer
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"id": [1, 2, 3], "sat": [4.0, 5.0, 6.0]}).to_csv(tmp / "in.csv", index=False)
    >>> scorer = Scorer({"program": "logit", "inputs": [{"column": "sat", "kind": "float"}],
    ...                  "outputs": ["p"], "arrays": {"coef": [-0.5]}, "settings": {"intercept": 2.0}})
    >>> score_file(scorer, tmp / "in.csv", tmp / "out.csv", keep=["id"], chunksize=2)
    3
    >>> pd.read_csv(tmp / "out.csv").round(3).values.tolist()
    [[1.0, 0.5], [2.0, 0.378], [3.0, 0.269]]
    """
    data, out = Path(data), Path(out)
    if isinstance(model, Scorer):
        scorer = model
    else:
        try:
            scorer = load_scorer(model)
        except ScoringError as exc:
            raise ExportError(str(exc)) from None
    if not isinstance(chunksize, int) or isinstance(chunksize, bool) or chunksize < 1:
        raise ParameterError(f"chunksize must be a positive integer; got {chunksize!r}.")
    if extra not in ("ignore", "warn", "raise"):
        raise ParameterError(f"extra must be 'ignore', 'warn' or 'raise'; got {extra!r}.")
    fmt_in, fmt_out = _format(data, "the data file"), _format(out, "the output file")
    if not data.is_file():
        raise DataError(f"Data file '{data}' does not exist.")
    header = _header(data, fmt_in)
    inputs = scorer.inputs
    lacking = [c for c in [*inputs, *keep] if c not in header]
    if lacking:
        raise DataError(f"Data file '{data}' lacks the column(s) {lacking}; the model reads {inputs}.")
    surplus = [c for c in header if c not in set(inputs) | set(keep)]
    if surplus and extra != "ignore":
        message = f"Data file '{data}' has column(s) {surplus[:10]} that the model does not read"
        if extra == "raise":
            raise DataError(message + " (pass --extra ignore to score anyway).")
        print(f"warning: {message}; they are left out.", file=sys.stderr)
    clash = [c for c in keep if c in scorer.outputs]
    if clash:
        raise ParameterError(f"keep={clash} would clash with the model's outputs {scorer.outputs}.")
    columns = list(dict.fromkeys([*keep, *inputs]))
    if progress is None:
        progress = sys.stderr.isatty()
    total = None
    if fmt_in == "parquet":
        import pyarrow.parquet as pq

        total = pq.ParquetFile(data).metadata.num_rows
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="rows", unit_scale=True, disable=not progress, file=sys.stderr,
               desc=f"scoring {data.name}")
    numeric = [e["column"] for e in scorer.spec["inputs"] if e["kind"] != "category"]
    chunks = (_parquet_chunks(data, columns, chunksize) if fmt_in == "parquet"
              else _csv_chunks(data, columns, numeric, chunksize))
    from threadpoolctl import threadpool_limits

    tmp = out.with_name(out.name + ".part")
    writer = _Writer(tmp, fmt_out)
    done = 0
    # one BLAS thread: a chunk's products are thin and memory-bound, and on a busy machine BLAS threads that
    # spin for a second core were measured 5-20x slower than one thread
    limits = threadpool_limits(limits=1, user_api="blas")
    try:
        for chunk in _guarded(chunks, data, header):
            chunk.index = pd.RangeIndex(done, done + len(chunk))  # row numbers of the file (from 0), for messages
            try:
                scored = scorer.score(chunk[inputs])
            except ScoringError as exc:
                raise DataError(f"Data file '{data}' (the index counts data rows from 0): {exc}") from None
            if keep:
                scored = pd.concat([chunk[list(keep)].reset_index(drop=True), scored.reset_index(drop=True)], axis=1)
            writer.write(scored)
            done += len(chunk)
            bar.update(len(chunk))
        if done == 0:
            empty = pd.DataFrame({c: pd.Series(dtype=float) for c in [*keep, *scorer.outputs]})
            writer.write(empty)
        writer.close()
        tmp.replace(out)
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        bar.close()
        limits.restore_original_limits()
    return done


def _guarded(chunks: Iterator[pd.DataFrame], path: Path, header: list[str]) -> Iterator[pd.DataFrame]:
    """The chunks, with a reader's failure (a text value in a number column) as a DataError naming the column."""
    import re

    try:
        yield from chunks
    except (ValueError, TypeError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else repr(exc)
        found = re.search(r"column #(\d+)", text)  # pyarrow counts the file's columns from 0
        name = f"column {header[int(found.group(1))]!r}" if found and int(found.group(1)) < len(header) else "a column"
        raise DataError(f"Data file '{path}': {name} cannot be read as numbers ({text}). Every input column must "
                        "hold numbers: recode text answers first.") from None
    except OSError as exc:
        raise DataError(f"Data file '{path}' cannot be read: {exc}") from None
