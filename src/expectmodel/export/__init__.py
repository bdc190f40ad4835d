"""Export bundles of fitted models and their validation on load (ARCHITECTURE §5; issue 16).

:func:`save` writes a bundle (a folder or one zip): ``model.json`` with everything needed to score new
data and to read the fit again, verified on reading (schema version, SHA-256 checksum, configuration id,
every key and array), and optionally ``posterior.nc`` and ``model.skops`` / ``model.onnx``. No pickle.
:func:`load` rebuilds the results object; :func:`load_scorer` (from the numpy-only
:mod:`expectmodel_scorer`) scores new data; :func:`score_dask` scores a Dask DataFrame (Spark: the
``mapInPandas`` recipe in :func:`score_dask`'s module notes); :func:`save_mlflow` wraps a bundle as an
MLflow pyfunc model. ``expectmodel score`` / ``expectmodel inspect`` do the same from the shell.
"""

from expectmodel.export._bundle import LoadedResults, bundle_document, inspect, load, save
from expectmodel.export._mlflow import save_mlflow
from expectmodel.export._scale import score_dask
from expectmodel_scorer import load_scorer

__all__ = ["LoadedResults", "bundle_document", "inspect", "load", "load_scorer", "save", "save_mlflow", "score_dask"]
