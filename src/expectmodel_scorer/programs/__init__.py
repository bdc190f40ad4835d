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
- optionally ``OPTIONAL_SETTINGS: tuple[str, ...]``: settings keys it reads when present. Any settings key
  outside ``SETTINGS`` and ``OPTIONAL_SETTINGS`` is refused, and so is any array outside ``ARRAYS``: a
  bundle from a newer writer must not be scored with a meaning silently dropped.
- optionally ``SHAPES: dict[str, tuple]``: the full shape of an array, each entry a size, ``"inputs"``,
  ``"outputs"`` or None (any); e.g. ``{"weights": ("inputs", None)}``. Without it only the number of
  dimensions is checked, and an array that does not fit the data is refused when scoring.
- optionally ``check(arrays, settings, inputs, outputs) -> dict[str, ndarray]``: for a program whose array
  names are not fixed (``pipeline``); it replaces the ``ARRAYS`` check.

:func:`expectmodel_scorer.check_spec` validates a specification strictly (unknown keys, missing
settings, array dimensions, non-finite numbers). :func:`expectmodel_scorer.score` checks it, then does
the column checks (missing or non-numeric columns, values outside ``scale`` or ``codes``, fractions in an
``int`` column, values other than 0/1 in a ``binary`` one) and the missing-code handling before it calls
the program, so a program sees clean numbers. Settings may also hold mappings (the pipeline's steps).
In a bundle (``model.json``) each array is written as ``{"dtype": "float64", "shape": [...], "data":
[...]}``; see :mod:`expectmodel_scorer.bundle`.

In the package, a results class's ``predict``/``transform`` returns ``score(self.scoring_spec(), frame)``
(or columns of it); the round-trip test (``tests/export/test_round_trip.py``) compares a bundle scored in
a process without expectmodel, scipy, statsmodels, scikit-learn or pymc to that method.
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
