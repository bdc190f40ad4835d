"""One exception hierarchy for the whole package.

Every error a user can trigger through bad input derives from
:class:`ExpectmodelError`, so ``except em.ExpectmodelError`` catches them all,
and each subclass also derives from the matching built-in (``ValueError``) so
generic handlers keep working.
"""

from __future__ import annotations

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "ExpectmodelError",
    "ExpectmodelWarning",
    "ExportError",
    "MissingDependencyError",
    "ParameterError",
    "SpecError",
]


class ExpectmodelError(Exception):
    """Base class of every error raised by expectmodel."""


class SpecError(ExpectmodelError, ValueError):
    """A model specification is malformed or inconsistent."""


class ParameterError(ExpectmodelError, ValueError):
    """An estimator setting is invalid; the message names the parameter and the allowed values.

    Raised by ``fit`` (never by ``__init__``, which only stores its arguments, as scikit-learn asks).
    """


class DataError(ExpectmodelError, ValueError):
    """The data do not fit the specification (columns, codes, scale, missing values)."""


class ConvergenceError(ExpectmodelError, RuntimeError):
    """An estimator could not produce a usable solution (e.g. a singular system)."""


class ExportError(ExpectmodelError, ValueError):
    """An exported model file is invalid, tampered with or of an unknown version."""


class MissingDependencyError(ExpectmodelError, ImportError):
    """An optional dependency (a sampler, a backend) is not installed; the message names the extra."""


class ExpectmodelWarning(UserWarning):
    """Base class of every warning issued by expectmodel."""


class DataWarning(ExpectmodelWarning):
    """The data were usable but something about them deserves attention (dropped rows, sparse cells)."""


class ConvergenceWarning(ExpectmodelWarning):
    """An iterative estimator stopped at its iteration limit before converging."""
