"""The optional members of an export bundle: ``posterior.nc``, ``model.skops``, ``model.onnx``, written and read.

The writers serve :func:`~expectmodel.export.save`; :class:`MembersMixin` holds the methods of
:class:`~expectmodel.export.LoadedResults` that open them again.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from expectmodel.errors import ExportError, MissingDependencyError, ParameterError
from expectmodel.results import ResultsBase

#: Posterior groups written by default (``respondents=True`` adds every group).
POSTERIOR_GROUPS = ("posterior", "sample_stats")
#: Dimensions that index respondents; a posterior variable along one is left out by default.
RESPONDENT_DIMS = ("respondent", "respondents", "obs", "observation", "row", "customer", "id")
_TREE_ATTRS = ("tree", "posterior_tree")


# -- posterior ------------------------------------------------------------------------------------------------
def _posterior_bytes(results: ResultsBase, respondents: bool) -> bytes:
    tree = next((getattr(results, a) for a in _TREE_ATTRS if getattr(results, a, None) is not None), None)
    if tree is None:
        raise ParameterError(f"save(posterior=True): {type(results).__name__} has no posterior to write (only "
                             "Bayesian fits do).")
    import xarray as xr

    groups = {}
    for node in tree.subtree:
        path = node.path.strip("/")
        if not path or node.dataset is None or not node.has_data:
            continue
        if not respondents and path not in POSTERIOR_GROUPS:
            continue
        ds = node.to_dataset()
        if not respondents:
            keep = [v for v in ds.data_vars if not set(ds[v].dims) & set(RESPONDENT_DIMS)]
            ds = ds[keep].drop_dims([d for d in ds.dims if d in RESPONDENT_DIMS], errors="ignore")
        ds.attrs = {}
        groups[path] = ds
    out = xr.DataTree.from_dict(groups)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "posterior.nc"
        out.to_netcdf(target, engine="h5netcdf")
        return target.read_bytes()


# -- scikit-learn parts ---------------------------------------------------------------------------------------
def _skops_bytes(estimator: Any) -> bytes:
    try:
        import skops.io as sio
    except ImportError:
        raise MissingDependencyError("save(sklearn=..., formats containing 'skops') needs skops: pip install "
                                     "'expectmodel[skops]'.") from None
    return sio.dumps(estimator)


def _onnx_bytes(estimator: Any, sample: Any) -> bytes:
    try:
        from skl2onnx import to_onnx
    except ImportError:
        raise MissingDependencyError("save(sklearn=..., formats containing 'onnx') needs skl2onnx: pip install "
                                     "'expectmodel[onnx]'.") from None
    if sample is None:
        raise ParameterError("save(sklearn=..., formats containing 'onnx') needs sample=: a few rows of the "
                             "model's input (they fix the input's width and type; they are not stored).")
    X = np.asarray(sample, dtype=np.float64)[:1]
    model = to_onnx(estimator, X, target_opset=None, options={"zipmap": False})
    return model.SerializeToString()


# -- read back ------------------------------------------------------------------------------------------------
class MembersMixin:
    """Methods of :class:`~expectmodel.export.LoadedResults` (see there) that open the bundle's other members."""

    files: Any

    def sklearn_model(self, trusted: tuple[str, ...] = ()) -> Any:
        """Load the bundle's ``model.skops`` (the scikit-learn part), without pickle.

        Parameters
        ----------
        trusted : tuple of str
            Type names to trust beyond skops' defaults (skops refuses any other unknown type).

        Returns
        -------
        scikit-learn estimator

        Raises
        ------
        ExportError
            If the bundle has no ``model.skops`` or it holds types that are not trusted.
        """
        data = self.files.get("model.skops")
        if data is None:
            raise ExportError("this bundle holds no model.skops (save it with sklearn=..., formats=('skops',)).")
        try:
            import skops.io as sio
        except ImportError:
            raise MissingDependencyError("reading model.skops needs skops: pip install 'expectmodel[skops]'.") from None
        untrusted = [t for t in sio.get_untrusted_types(data=data) if t not in trusted]
        if untrusted:
            raise ExportError(f"model.skops holds types that are not trusted: {untrusted}; pass trusted=(...) "
                              "naming them if you trust this bundle's origin.")
        return sio.loads(data, trusted=list(sio.get_untrusted_types(data=data)))

    def onnx_session(self) -> Any:
        """Open the bundle's ``model.onnx`` in onnxruntime.

        Returns
        -------
        onnxruntime.InferenceSession
            ``session.run(None, {session.get_inputs()[0].name: X})`` returns labels and probabilities.

        Raises
        ------
        ExportError
            If the bundle has no ``model.onnx``.
        """
        data = self.files.get("model.onnx")
        if data is None:
            raise ExportError("this bundle holds no model.onnx (save it with sklearn=..., formats=('onnx',)).")
        try:
            import onnxruntime as ort
        except ImportError:
            raise MissingDependencyError("scoring model.onnx needs onnxruntime: pip install "
                                         "'expectmodel[onnx]'.") from None
        return ort.InferenceSession(data, providers=["CPUExecutionProvider"])

    @property
    def posterior(self) -> Any:
        """The saved posterior (an ``xarray.DataTree``), or None when the bundle has none."""
        data = self.files.get("posterior.nc")
        if data is None:
            return None
        import xarray as xr

        return xr.open_datatree(io.BytesIO(data), engine="h5netcdf").load()
