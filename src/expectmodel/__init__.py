"""expectmodel: customer expectations, satisfaction and loyalty, from survey data.

Public names only; the modules own the work:

- :mod:`expectmodel.spec` - one specification language (builder, lavaan-style text, ACSI/ECSI templates)
- :mod:`expectmodel.data` - checks survey data against a spec (codes, scales, missing values)
- :mod:`expectmodel.sem` - estimators of a spec (PLS path modelling with bootstrap, index, IPMA, groups)
- :mod:`expectmodel.latent` - latent expectations, perceptions and gaps (SERVQUAL, zone of tolerance, pymc)
- :mod:`expectmodel.bayes` - the Bayesian workflow shared by the pymc models (samplers, gates)
- :mod:`expectmodel.simulate` - survey simulators with known truth
- :mod:`expectmodel.datasets` - bundled simulated surveys
"""

from expectmodel import bayes, datasets, latent, simulate, spec
from expectmodel._meta import __version__
from expectmodel.errors import (
    ConvergenceError,
    ConvergenceWarning,
    DataError,
    ExpectmodelError,
    ExportError,
    SpecError,
)
from expectmodel.sem import PLS, MultiGroupResults, PLSResults
from expectmodel.spec import Model

__all__ = [
    "PLS",
    "ConvergenceError",
    "ConvergenceWarning",
    "DataError",
    "ExpectmodelError",
    "ExportError",
    "Model",
    "MultiGroupResults",
    "PLSResults",
    "SpecError",
    "__version__",
    "bayes",
    "datasets",
    "latent",
    "simulate",
    "spec",
]
