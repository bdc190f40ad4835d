"""Program ``pipeline``: a chain of the other programs (features, then a model).

Settings:

- ``columns``: the pipeline's input columns, in ``inputs`` order (the specification's own inputs);
- ``steps``: a list of ``{"program", "inputs", "outputs", "settings"}``; a step's ``inputs`` name pipeline
  input columns or outputs of earlier steps, its ``outputs`` name new columns;
- ``outputs``: the columns returned, in order (pipeline inputs or any step's outputs).

Arrays are the steps' arrays named ``"<step>.<name>"`` (``"0.weights"``, ``"1.coef"``). A step is any
program of the closed list except ``pipeline`` itself. The pipeline's input entries carry the scale,
codes and missing codes; the steps see clean numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

ARRAYS: dict[str, int] = {}  # the steps' arrays, checked by check()
SETTINGS = ("columns", "steps", "outputs")
STEP_KEYS = ("program", "inputs", "outputs", "settings")


def check(arrays: dict[str, Any], settings: dict[str, Any], inputs: list[dict], outputs: list[str]
          ) -> dict[str, np.ndarray]:
    """Validate the steps and their arrays; return the arrays as float ndarrays."""
    from expectmodel_scorer.core import ScoringError, _check_array, _unknown
    from expectmodel_scorer.programs import program

    where = "scoring spec['settings']"
    columns = settings["columns"]
    if list(columns) != [e["column"] for e in inputs]:
        raise ScoringError(f"{where}['columns'] must list the pipeline's input columns in order; got {columns!r}.")
    steps = settings["steps"]
    if not isinstance(steps, list) or not steps:
        raise ScoringError(f"{where}['steps'] must be a non-empty list of steps.")
    known = set(columns)
    seen_arrays: set[str] = set()
    out: dict[str, np.ndarray] = {}
    for i, step in enumerate(steps):
        at = f"{where}['steps'][{i}]"
        if not isinstance(step, dict):
            raise ScoringError(f"{at} must be a mapping.")
        _unknown(step, STEP_KEYS, at)
        lacking = [k for k in STEP_KEYS if k not in step]
        if lacking:
            raise ScoringError(f"{at} lacks {lacking}.")
        if step["program"] == "pipeline":
            raise ScoringError(f"{at}: a pipeline step cannot be a pipeline.")
        prog = program(step["program"])
        names_in, names_out = step["inputs"], step["outputs"]
        for key, names in (("inputs", names_in), ("outputs", names_out)):
            if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
                raise ScoringError(f"{at}['{key}'] must be a non-empty list of column names.")
        unknown = [n for n in names_in if n not in known]
        if unknown:
            raise ScoringError(f"{at} reads {unknown}, which are neither pipeline inputs nor earlier outputs.")
        clash = [n for n in names_out if n in known]
        if clash or len(set(names_out)) != len(names_out):
            raise ScoringError(f"{at} writes {clash or names_out}, which already exist(s).")
        known.update(names_out)
        sub_settings = step["settings"]
        if not isinstance(sub_settings, dict):
            raise ScoringError(f"{at}['settings'] must be a mapping.")
        _unknown(sub_settings, (*prog.SETTINGS, *getattr(prog, "OPTIONAL_SETTINGS", ())), f"{at}['settings']")
        lacking = [k for k in prog.SETTINGS if k not in sub_settings]
        if lacking:
            raise ScoringError(f"{at}['settings'] lacks {lacking}, which program {step['program']!r} needs.")
        for name, ndim in prog.ARRAYS.items():
            key = f"{i}.{name}"
            if key not in arrays:
                raise ScoringError(f"scoring spec['arrays'] lacks {key!r} (step {i}, program {step['program']!r}).")
            out[key] = _check_array(key, arrays[key], ndim, "scoring spec['arrays']")
            seen_arrays.add(key)
    _unknown(arrays, tuple(seen_arrays), "scoring spec['arrays'] (program 'pipeline')")
    final = settings["outputs"]
    if list(final) != list(outputs):
        raise ScoringError(f"{where}['outputs'] {final!r} must equal the specification's outputs {outputs!r}.")
    unknown = [n for n in final if n not in known]
    if unknown:
        raise ScoringError(f"{where}['outputs'] names {unknown}, which no step writes.")
    return out


def score(arrays: dict[str, np.ndarray], settings: dict, X: np.ndarray) -> np.ndarray:
    """Run the steps in order on the named columns; return the ``outputs`` columns ``(n, k)``."""
    from expectmodel_scorer.programs import program

    cols: dict[str, np.ndarray] = {name: X[:, j] for j, name in enumerate(settings["columns"])}
    for i, step in enumerate(settings["steps"]):
        prog = program(step["program"])
        names = step["inputs"]
        sub_x = X if names == list(settings["columns"]) else np.column_stack([cols[n] for n in names])
        sub_arrays = {name: arrays[f"{i}.{name}"] for name in prog.ARRAYS}
        result = np.asarray(prog.score(sub_arrays, dict(step["settings"]), sub_x), dtype=float)
        for j, name in enumerate(step["outputs"]):
            cols[name] = result[:, j]
    return np.column_stack([cols[n] for n in settings["outputs"]])


def chain(*specs: dict[str, Any], keep: list[str] | None = None) -> dict[str, Any]:
    """Build one ``pipeline`` specification from specifications run in order.

    A later specification's input columns may be earlier outputs (a PLS index feeding a churn model);
    the others become pipeline inputs with their scale, codes and missing codes. ``keep`` names the
    columns returned (default: every step's outputs).
    """
    from expectmodel_scorer.core import ScoringError, check_spec

    inputs: list[dict] = []
    produced: list[str] = []
    steps, arrays = [], {}
    for i, raw in enumerate(specs):
        spec = check_spec(raw)
        if spec["program"] == "pipeline":
            raise ScoringError("chain() takes single-program specifications, not pipelines.")
        for entry in spec["inputs"]:
            if entry["column"] not in produced and entry["column"] not in [e["column"] for e in inputs]:
                inputs.append(entry)
        steps.append({"program": spec["program"], "inputs": [e["column"] for e in spec["inputs"]],
                      "outputs": list(spec["outputs"]), "settings": dict(spec["settings"])})
        arrays.update({f"{i}.{name}": value for name, value in spec["arrays"].items()})
        produced.extend(spec["outputs"])
    outputs = list(keep) if keep is not None else produced
    return check_spec({"program": "pipeline", "inputs": inputs, "outputs": outputs, "arrays": arrays,
                       "settings": {"columns": [e["column"] for e in inputs], "steps": steps, "outputs": outputs}})
