"""Every notebook in ``notebooks/`` runs top to bottom (with ``EXPECTMODEL_FAST=1``: short bootstrap and chains).

A cell that raises fails the test with the cell's source and the traceback. The kernel is the
interpreter running the tests, so the notebooks run against the installed package.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CELL_TIMEOUT = 1200  # seconds; the latent notebook's first compile of the pymc model is the long cell


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory) -> Iterator[str]:
    """A kernelspec for this interpreter, so the notebooks never pick up another Python."""
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("kernel")
    install(kernel_name="expectmodel-test", prefix=str(prefix))
    old = os.environ.get("JUPYTER_PATH")
    # read by jupyter_client when it looks the kernel up
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(prefix / "share" / "jupyter"), old) if p)
    yield "expectmodel-test"
    if old is None:
        del os.environ["JUPYTER_PATH"]
    else:
        os.environ["JUPYTER_PATH"] = old


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, kernel_name: str, monkeypatch, tmp_path):
    monkeypatch.setenv("EXPECTMODEL_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=kernel_name,
                                     resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.perf_counter()
    try:
        client.execute(env={**os.environ, "EXPECTMODEL_FAST": "1", "MPLBACKEND": "Agg"})
    except nbclient.exceptions.CellExecutionError as exc:
        # nbclient's message holds the failing cell's source and the traceback (without its colours)
        pytest.fail(f"{path.name}: a cell failed\n{ANSI.sub('', str(exc))}", pytrace=False)
    print(f"{path.name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
