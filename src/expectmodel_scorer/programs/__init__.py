"""The closed list of scoring programs.

A *scoring specification* (``results.scoring_spec()`` in expectmodel; ``model.json`` in a bundle) is a
JSON-ready mapping::

    {
      "program": "pls_composite",      # a key of PROGRAMS
      "inputs": [                      # one entry per input column, in the order the program reads them
        {"column": "IMAG1", "kind": "float",          # "float" | "int" | "binary" | "category"
         "scale": [1, 10],                            # allowed [low, high] or null
         "codes": null,                               # allowed values (a list) or null
         "missing_codes": [-99],                      # values read as missing
         "range": [1, 10]},                           # training range [min, max] (reported, not enforced)
        ...
      ],
      "outputs": ["Image", "Expectation", ...],       # output column names, in the program's order
      "arrays": {"weights": ndarray, ...},            # float arrays (lists in JSON)
      "settings": {"scale": [1, 10], ...},            # JSON scalars, strings and lists
    }

A program is a module here with

- ``ARRAYS: dict[str, int]``: every array it reads and the number of dimensions it must have;
- ``SETTINGS: tuple[str, ...]``: the settings keys it requires;
- ``score(arrays, settings, X) -> ndarray``: ``X`` is the ``(n, len(inputs))`` float matrix of the input
  columns in ``inputs`` order, missing answers as NaN; it returns ``(n, len(outputs))`` floats. Pure
  numpy, vectorised over rows, no state.

:func:`expectmodel_scorer.score` does the column checks and the missing-code handling before it calls
the program, so a program sees clean numbers.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: program name -> module (under expectmodel_scorer.programs). The list is closed: a bundle naming any
#: other program is refused. Add a program by adding its module and one line here.
PROGRAMS: dict[str, str] = {
    "pls_composite": "pls",  # construct scores and the 0-100 index of a PLS path model
    "graded_response_eap": "latent",  # latent expectation/perception/gap posterior means and SDs
    "vie_motivation": "vie",  # M = sum_k E_k V_k and M = E * sum I V
    "kano_classify": "kano",  # Kano category per attribute and respondent from answer pairs
    "logit": "churn",  # churn probability from a linear predictor (binary logit)
    "ordered_logit": "churn_ordered",  # category probabilities of an ordered logit
    "hazard": "hazard",  # discrete-time hazard and survival per period
    "sbg": "sbg",  # shifted-beta-geometric retention and residual lifetime
    "pipeline": "pipeline",  # a chain of the programs above (features, then a model)
}


def program(name: str) -> ModuleType:
    """Look up the module of program ``name``; a name outside :data:`PROGRAMS` is refused.

    Parameters
    ----------
    name : str
        A program name from :data:`PROGRAMS`.

    Returns
    -------
    module
        With ``ARRAYS``, ``SETTINGS`` and ``score``.

    Examples
    --------
    >>> from expectmodel_scorer.programs import PROGRAMS
    >>> "pls_composite" in PROGRAMS
    True
    """
    from expectmodel_scorer.core import ScoringError

    if name not in PROGRAMS:
        raise ScoringError(f"unknown scoring program {name!r}; this scorer knows {sorted(PROGRAMS)}")
    return importlib.import_module(f"expectmodel_scorer.programs.{PROGRAMS[name]}")
