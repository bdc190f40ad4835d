"""An MLflow pyfunc wrapper of a bundle, as "models from code" (no cloudpickle of objects; extra ``mlflow``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from expectmodel.errors import MissingDependencyError, ParameterError

# The model's code, which MLflow copies into the model folder and runs to load it: it reads the bundle
# artifact with the numpy-only scorer (verified on every load) and scores pandas frames.
MODEL_CODE = '''\
"""expectmodel bundle as an MLflow pyfunc model (models from code): the numpy-only scorer."""

import mlflow
from mlflow.pyfunc import PythonModel


class ExpectmodelBundle(PythonModel):
    def load_context(self, context):
        from expectmodel_scorer import load_scorer

        self.scorer = load_scorer(context.artifacts["bundle"])

    def predict(self, context, model_input, params=None):
        return self.scorer.score(model_input)


mlflow.models.set_model(ExpectmodelBundle())
'''


def _mlflow() -> Any:
    try:
        import mlflow.pyfunc
    except ImportError:
        raise MissingDependencyError("the MLflow wrapper needs mlflow: pip install 'expectmodel[mlflow]'.") from None
    return mlflow


def save_mlflow(bundle: str | Path, path: str | Path, **kwargs: Any) -> Path:
    """Write a bundle as an MLflow pyfunc model folder ("models from code"; the scorer needs numpy and pandas).

    ``mlflow.pyfunc.load_model(path).predict(frame)`` then scores with the bundle's program. Inside a run,
    ``mlflow.pyfunc.log_model(python_model=..., artifacts={"bundle": ...})`` takes the same two pieces:
    the code (:data:`MODEL_CODE`) and the bundle.

    Parameters
    ----------
    bundle : str or pathlib.Path
        A bundle written by :func:`~expectmodel.export.save` (verified first).
    path : str or pathlib.Path
        The MLflow model folder to create.
    **kwargs
        Passed to ``mlflow.pyfunc.save_model`` (``pip_requirements``, ``input_example``, ...).

    Returns
    -------
    pathlib.Path
        The model folder.

    Raises
    ------
    MissingDependencyError
        If mlflow is not installed.

    Examples
    --------
    >>> save_mlflow("no-such-bundle.zip", "model")  # doctest: +SKIP
    """
    from expectmodel_scorer import load_scorer

    mlflow = _mlflow()
    bundle, path = Path(bundle), Path(path)
    load_scorer(bundle)  # refuse an invalid bundle here, not in the serving process
    if path.exists():
        raise ParameterError(f"save_mlflow(): '{path}' exists.")
    kwargs.setdefault("pip_requirements", ["numpy", "pandas", "expectmodel"])
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp) / "expectmodel_bundle_model.py"
        code.write_text(MODEL_CODE, encoding="utf-8")
        mlflow.pyfunc.save_model(str(path), python_model=str(code), artifacts={"bundle": str(bundle)}, **kwargs)
    return path
