"""expectmodel: customer expectations, satisfaction and loyalty, from survey data.

Public names only; the modules own the work:

- :mod:`expectmodel.spec` - one specification language (builder, lavaan-style text, ACSI/ECSI templates)
- :mod:`expectmodel.data` - checks survey data against a spec (codes, scales, missing values)
- :mod:`expectmodel.sem` - estimators of a spec (PLS path modelling with bootstrap, index, IPMA, groups)
- :mod:`expectmodel.latent` - latent expectations, perceptions and gaps (SERVQUAL, zone of tolerance, pymc)
- :mod:`expectmodel.vie` - expectancy theory for customers (Vroom's M = V·E)
- :mod:`expectmodel.kano` - Kano classification, Better/Worse, regression Kano, drift over waves
- :mod:`expectmodel.churn` - loyalty and churn models, survey-to-feature transformers, evaluation
- :mod:`expectmodel.export` - export bundles (``save``/``load``) for the numpy-only ``expectmodel_scorer``
- :mod:`expectmodel.sampling` - the Bayesian workflow shared by the pymc models (samplers, gates)
- :mod:`expectmodel.simulate` - survey simulators with known truth
- :mod:`expectmodel.datasets` - bundled simulated surveys

``import expectmodel`` is light: it loads the exceptions and the version only. Every other top-level
name is resolved on first use (PEP 562, as scipy does), so ``import expectmodel`` never pulls in
pandas, statsmodels, pymc, pytensor, arviz or matplotlib, sets no environment variable and chooses
no matplotlib backend.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING, Any

from expectmodel.errors import (
    ConvergenceError,
    ConvergenceWarning,
    DataError,
    DataWarning,
    ExpectmodelError,
    ExpectmodelWarning,
    ExportError,
    MissingDependencyError,
    ParameterError,
    SpecError,
)

# Lazy top-level names: public name -> module that defines it. ``"latent": "expectmodel.latent"`` (the
# path is ``expectmodel.<name>``) exports the submodule itself; any other path exports the attribute of
# that name (``"PLS": "expectmodel.sem"`` is ``expectmodel.sem.PLS``). To export a new name, add one line
# here and the name to __all__.
_LAZY: dict[str, str] = {
    # submodules
    "churn": "expectmodel.churn",
    "data": "expectmodel.data",
    "datasets": "expectmodel.datasets",
    "export": "expectmodel.export",
    "kano": "expectmodel.kano",
    "latent": "expectmodel.latent",
    "sampling": "expectmodel.sampling",
    "sem": "expectmodel.sem",
    "simulate": "expectmodel.simulate",
    "spec": "expectmodel.spec",
    "vie": "expectmodel.vie",
    # the version (importlib.metadata costs more than the rest of the import)
    "__version__": "expectmodel._meta",
    # classes and functions
    "Meta": "expectmodel.results",
    "Model": "expectmodel.spec",
    "MultiGroupPLS": "expectmodel.sem.groups",
    "MultiGroupResults": "expectmodel.sem",
    "PLS": "expectmodel.sem",
    "PLSResults": "expectmodel.sem",
    "SamplerConfig": "expectmodel.sampling",
    "compare": "expectmodel.results",
    "load": "expectmodel.export",
    "save": "expectmodel.export",
}

# every public name: the eager ones imported above and every key of _LAZY (tests/test_import.py checks)
__all__ = [
    "PLS",
    "ConvergenceError",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "ExpectmodelError",
    "ExpectmodelWarning",
    "ExportError",
    "Meta",
    "MissingDependencyError",
    "Model",
    "MultiGroupPLS",
    "MultiGroupResults",
    "PLSResults",
    "ParameterError",
    "SamplerConfig",
    "SpecError",
    "__version__",
    "churn",
    "compare",
    "data",
    "datasets",
    "export",
    "kano",
    "latent",
    "load",
    "sampling",
    "save",
    "sem",
    "simulate",
    "spec",
    "vie",
]

if TYPE_CHECKING:  # static checkers and IDEs see the real names
    from expectmodel import data, datasets, latent, sampling, sem, simulate, spec
    from expectmodel._meta import __version__
    from expectmodel.results import Meta, compare
    from expectmodel.sampling import SamplerConfig
    from expectmodel.sem import PLS, MultiGroupResults, PLSResults
    from expectmodel.sem.groups import MultiGroupPLS
    from expectmodel.spec import Model


def __getattr__(name: str) -> Any:
    try:
        path = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'expectmodel' has no attribute {name!r}") from None
    module = _importlib.import_module(path)
    value = module if path == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return list(__all__)
