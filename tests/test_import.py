"""``import expectmodel`` is light and has no side effects (ARCHITECTURE §5).

Each check runs in a fresh interpreter: the test process itself has long since imported
pymc, statsmodels and matplotlib.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import expectmodel as em

SKLEARN_ENV = {"KMP_DUPLICATE_LIB_OK", "KMP_INIT_AT_FORK"}  # sklearn/__init__.py: os.environ.setdefault
HEAVY = ("statsmodels", "pymc", "pytensor", "arviz", "nutpie", "matplotlib")

PROBE = """
import json, os, sys
env = dict(os.environ)
{imports}
json.dump({{
    "heavy": sorted(m for m in {heavy!r} if m in sys.modules),
    "env_changed": sorted(k for k in set(env) | set(os.environ) if env.get(k) != os.environ.get(k)),
}}, sys.stdout)
"""


def _probe(imports: str) -> dict[str, list[str]]:
    """Run ``imports`` in a fresh interpreter; which heavy modules it loaded and which variables it changed."""
    code = PROBE.format(imports=textwrap.dedent(imports), heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def bare() -> dict[str, list[str]]:
    return _probe("import expectmodel")


def test_import_loads_no_heavy_dependency(bare):
    assert bare["heavy"] == []


def test_import_changes_no_environment_variable(bare):
    assert bare["env_changed"] == []  # PYTENSOR_FLAGS belongs where pytensor is first imported


def test_pls_side_needs_neither_pymc_nor_statsmodels_nor_matplotlib():
    # the PLS names resolve without the Bayesian or plotting stacks (plots import matplotlib when drawn)
    seen = _probe("""
        import expectmodel as em
        em.PLS, em.PLSResults, em.MultiGroupResults, em.Model, em.spec.templates.ecsi(), em.simulate, em.datasets
    """)
    assert seen["heavy"] == []
    # scikit-learn (the estimators' base class) setdefaults its OpenMP variables when imported; nothing else
    assert set(seen["env_changed"]) <= SKLEARN_ENV


def test_latent_import_sets_no_environment_variable():
    seen = _probe("import expectmodel.latent")
    assert seen["env_changed"] == []
    assert not {"pymc", "pytensor", "arviz", "nutpie"} & set(seen["heavy"])  # compiled only when a model is fitted


def test_latent_import_loads_no_statsmodels():
    assert "statsmodels" not in _probe("import expectmodel.latent")["heavy"]


def test_all_public_names_resolve():
    lazy = set(em._LAZY)
    assert lazy <= set(em.__all__), "every lazy name must be listed in __all__"
    assert sorted(dir(em)) == sorted(em.__all__)
    for name in em.__all__:
        assert getattr(em, name) is not None, name
    assert em.latent.__name__ == "expectmodel.latent"
    assert issubclass(em.DataError, em.ExpectmodelError)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = em.nope
    assert not hasattr(em, "nope")


# -- "estimators never import plotting" (ARCHITECTURE §3) ----------------------------------------------
# A plot method may import its plotting module inside the method; import-linter (make lint) cannot tell
# that from a module-level import, so this check (also run by `make lint`) looks at the statements that
# run at import time: the module body, class bodies and non-TYPE_CHECKING if/try/with blocks.
SRC = Path(__file__).resolve().parents[1] / "src" / "expectmodel"
ESTIMATOR_PACKAGES = ("sem", "latent", "vie", "kano", "churn", "export")
FAMILY_PLOTS = sorted(p.relative_to(SRC).as_posix() for p in SRC.glob("*/plots.py"))  # e.g. latent/plots.py
PLOTTING = ("matplotlib", "expectmodel.plotting",
            *(f"expectmodel.{p.removesuffix('.py').replace('/', '.')}" for p in FAMILY_PLOTS))
PLOTTING_MODULES = set(FAMILY_PLOTS)  # the plotting modules themselves


def _import_time_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import that runs when ``path`` is imported."""
    package = ".".join(("expectmodel", *path.relative_to(SRC).with_suffix("").parts[:-1]))
    found: list[tuple[int, str]] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.extend((node.lineno, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
                found.append((node.lineno, base))
            elif isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if test not in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for part in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                    visit(part)
            elif isinstance(node, ast.With | ast.ClassDef):
                visit(node.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def _plotting_imports_at_import_time() -> list[str]:
    bad = []
    for package in ESTIMATOR_PACKAGES:
        for path in sorted((SRC / package).rglob("*.py")):
            if path.relative_to(SRC).as_posix() in PLOTTING_MODULES:
                continue
            own_plots = f"expectmodel.{package}.plots" if path.name == "__init__.py" else None
            for line, module in _import_time_imports(path):
                if module == own_plots:
                    continue  # a family's package may export its plots module (matplotlib loads on first draw)
                if any(module == p or module.startswith(p + ".") for p in PLOTTING):
                    bad.append(f"{path.relative_to(SRC.parent)}:{line} imports {module} at module level")
    return bad


def test_no_module_level_plotting_import():
    assert _plotting_imports_at_import_time() == [], "import plotting inside the plot method only"


def test_the_plotting_check_sees_module_level_imports(tmp_path, monkeypatch):
    # the check itself: a module-level import is caught, one inside a function or TYPE_CHECKING is not
    pkg = tmp_path / "expectmodel" / "sem"
    pkg.mkdir(parents=True)
    (pkg / "bad.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from matplotlib.axes import Axes\n"
        "from ..plotting import plot_ipma\nimport matplotlib.pyplot as plt\n"
        "def plot():\n    from expectmodel.latent.plots import plot_gaps\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path / "expectmodel")
    assert _plotting_imports_at_import_time() == [
        "expectmodel/sem/bad.py:4 imports expectmodel.plotting.plot_ipma at module level",
        "expectmodel/sem/bad.py:4 imports expectmodel.plotting at module level",
        "expectmodel/sem/bad.py:5 imports matplotlib.pyplot at module level",
    ]
