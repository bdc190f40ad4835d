"""Package and dependency versions, recorded in every result."""

from __future__ import annotations

import platform
from functools import lru_cache
from importlib import metadata

__all__ = ["__version__", "versions"]

try:
    __version__ = metadata.version("expectmodel")
except metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+unknown"


@lru_cache(maxsize=2)
def versions(bayesian: bool = False) -> dict[str, str]:
    """Versions of the stack; ``bayesian=True`` adds pymc, pytensor, arviz and the installed samplers."""
    out = {"expectmodel": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "scipy", "pandas", "statsmodels", "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    if bayesian:
        for pkg in ("pymc", "pytensor", "arviz", "nutpie", "numpyro"):
            try:
                out[pkg] = metadata.version(pkg)
            except metadata.PackageNotFoundError:
                pass
    return out
