"""``import expectmodel`` is light and has no side effects (ARCHITECTURE §5).

Each check runs in a fresh interpreter: the test process itself has long since imported
pymc, statsmodels and matplotlib.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import expectmodel as em

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
    assert seen == {"heavy": [], "env_changed": []}


@pytest.mark.xfail(strict=False, reason="expectmodel.bayes (being rewritten as expectmodel.sampling) sets "
                   "PYTENSOR_FLAGS at import; latent/__init__.py imports it eagerly")
def test_latent_import_sets_no_environment_variable():
    seen = _probe("import expectmodel.latent")
    assert seen["env_changed"] == []
    assert not {"pymc", "pytensor", "arviz", "nutpie"} & set(seen["heavy"])  # compiled only when a model is fitted


@pytest.mark.xfail(strict=False, reason="latent/classical.py imports statsmodels.api at module level (1.2 s)")
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
