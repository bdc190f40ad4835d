"""Write and read export bundles: ``save``, ``load``, ``inspect`` and the loaded-results class."""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from expectmodel.errors import ExpectmodelError, ExportError, MissingDependencyError, ParameterError
from expectmodel.results import DataInfo, Meta, ResultsBase, thaw
from expectmodel.summary import Summary
from expectmodel_scorer import bundle as _b
from expectmodel_scorer.core import ScoringError

#: Posterior groups written by default (``respondents=True`` adds every group).
POSTERIOR_GROUPS = ("posterior", "sample_stats")
#: Dimensions that index respondents; a posterior variable along one is left out by default.
RESPONDENT_DIMS = ("respondent", "respondents", "obs", "observation", "row", "customer", "id")
_TREE_ATTRS = ("tree", "posterior_tree")


# -- tables as JSON -------------------------------------------------------------------------------------------
def _encode_table(frame: pd.DataFrame) -> dict[str, Any]:
    columns, dtypes, data = [], [], []
    for name in frame.columns:
        col = frame[name]
        dtype = str(col.dtype)
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            values = [None if (isinstance(v, float) and not np.isfinite(v)) else v for v in col.tolist()]
            if pd.api.types.is_float_dtype(col) and np.isinf(col.to_numpy(dtype=float, na_value=np.nan)).any():
                raise ExportError(f"to_frame() column {name!r} holds an infinite value; a bundle stores finite "
                                  "numbers only.")
        else:
            values = [None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)
                      for v in col.tolist()]
        columns.append(str(name))
        dtypes.append(dtype)
        data.append(thaw(values))
    index = None if isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1 \
        else thaw(frame.index.tolist())
    return {"columns": columns, "dtypes": dtypes, "data": data, "index": index}


def _decode_table(table: Mapping[str, Any]) -> pd.DataFrame:
    columns, dtypes, data = table["columns"], table["dtypes"], table["data"]
    if not (isinstance(columns, list) and isinstance(dtypes, list) and isinstance(data, list)
            and len(columns) == len(dtypes) == len(data)):
        raise ExportError("model.json['table'] must hold equally long lists 'columns', 'dtypes' and 'data'.")
    parts = {}
    for name, dtype, values in zip(columns, dtypes, data, strict=True):
        if dtype.startswith(("float", "int", "uint", "bool", "Float", "Int", "UInt", "boolean")):
            series = pd.Series([np.nan if v is None else v for v in values], dtype=float)
            if not dtype.startswith("float"):
                series = series.astype(dtype)
        else:
            series = pd.Series(values, dtype=dtype if dtype in ("object", "str", "string") else "object")
        parts[name] = series
    out = pd.DataFrame(parts, columns=columns)
    if table.get("index") is not None:
        out.index = pd.Index(table["index"])
    return out


# -- meta -----------------------------------------------------------------------------------------------------
def _meta_from_dict(doc: Mapping[str, Any]) -> Meta:
    names = {f.name for f in fields(Meta)} - {"extra", "data"}
    try:
        data = DataInfo(**{k: (tuple(v) if k in ("missing_values", "columns") and isinstance(v, list) else v)
                           for k, v in doc["data"].items()})
        kwargs = {k: doc[k] for k in names if k in doc}
        extra = {k: v for k, v in doc.items() if k not in names and k != "data"}
        return Meta(data=data, extra=extra, **kwargs)
    except (TypeError, KeyError) as exc:
        raise ExportError(f"model.json['meta'] cannot be read as a Meta ({exc}).") from None


def _config(meta: Meta) -> dict[str, Any]:
    return {"estimator": meta.estimator, "params": thaw(meta.params), "spec": meta.spec, "seed": meta.seed}


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


# -- save -------------------------------------------------------------------------------------------------------
def save(results: ResultsBase, path: str | Path, *, scoring: Mapping[str, Any] | None = None,
         posterior: bool = False, respondents: bool = False, sklearn: Any = None,
         formats: tuple[str, ...] = ("skops",), sample: Any = None, overwrite: bool = False) -> Path:
    """Write an export bundle of ``results``: a folder, or a single zip when ``path`` ends in ``.zip``.

    The bundle holds ``model.json`` (schema and version, every scoring parameter, input names, scale
    coding, missing codes, training ranges, package versions, seed, settings, the configuration's id and a
    SHA-256 checksum of the payload; see :mod:`expectmodel_scorer.bundle`) and, when asked for,
    ``posterior.nc`` and ``model.skops`` / ``model.onnx``. No pickle, and no respondent-level data unless
    ``respondents=True``.

    Parameters
    ----------
    results : ResultsBase
        A fit. Its ``scoring_spec()``, when it has one, becomes the bundle's scoring program.
    path : str or pathlib.Path
        The folder to create, or a ``.zip`` file.
    scoring : mapping, optional
        The scoring specification to store instead of ``results.scoring_spec()``: a chain of models, say
        ``expectmodel_scorer.chain(pls.scoring_spec(), churn.scoring_spec())`` saved with the churn fit.
    posterior : bool, default False
        Also write ``posterior.nc`` (Bayesian fits): the ``posterior`` and ``sample_stats`` groups without
        variables along a respondent dimension.
    respondents : bool, default False
        With ``posterior=True``, write every group and variable, respondent-level ones included
        (``log_likelihood``, ``observed_data``, per-respondent latent scores).
    sklearn : scikit-learn estimator, optional
        A fitted scikit-learn part of the model (a churn pipeline) to store next to it.
    formats : tuple of {"skops", "onnx"}, default ("skops",)
        How to store ``sklearn``: ``model.skops`` (skops, extra ``skops``) and/or ``model.onnx``
        (skl2onnx, extra ``onnx``).
    sample : array-like, optional
        A few input rows of ``sklearn`` (needed for ONNX; not stored).
    overwrite : bool, default False
        Replace an existing bundle at ``path``.

    Returns
    -------
    pathlib.Path
        Where the bundle is.

    Raises
    ------
    ExportError
        If the results cannot be written (a non-finite scoring parameter, an invalid scoring spec).
    ParameterError
        For an invalid argument (an existing path without ``overwrite=True``, an unknown format).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import expectmodel as em
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
    ...              missing="listwise").fit(em.datasets.load_csi_survey())
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "ecsi.zip"
    >>> em.save(res, target).name
    'ecsi.zip'
    >>> em.load(target).to_frame().equals(res.to_frame())
    True
    """
    if not isinstance(results, ResultsBase):
        raise ParameterError(f"save() takes an expectmodel results object; got {type(results).__name__}.")
    path = Path(path)
    if path.exists() and not overwrite:
        raise ParameterError(f"save(): '{path}' exists; pass overwrite=True to replace it.")
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    unknown = [f for f in formats if f not in ("skops", "onnx")]
    if unknown:
        raise ParameterError(f"save(formats={formats!r}): unknown format(s) {unknown}; use 'skops' and/or 'onnx'.")
    if respondents and not posterior:
        raise ParameterError("save(respondents=True) applies to the posterior file: pass posterior=True too.")

    files: dict[str, bytes] = {}
    if posterior:
        files["posterior.nc"] = _posterior_bytes(results, respondents)
    if sklearn is not None:
        if "skops" in formats:
            files["model.skops"] = _skops_bytes(sklearn)
        if "onnx" in formats:
            files["model.onnx"] = _onnx_bytes(sklearn, sample)

    doc = bundle_document(results, files, scoring=scoring)
    text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    members = {"model.json": text.encode("utf-8"), **files}
    if path.exists():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    if path.suffix == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        tmp.replace(path)
    else:
        path.mkdir(parents=True)
        for name, data in members.items():
            (path / name).write_bytes(data)
    return path


def bundle_document(results: ResultsBase, files: Mapping[str, bytes] | None = None, *,
                    scoring: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build ``model.json`` of ``results`` (with its id and checksum), as :func:`save` writes it.

    Parameters
    ----------
    results : ResultsBase
        A fit.
    files : mapping of str to bytes, optional
        The other members, listed with their SHA-256.
    scoring : mapping, optional
        A scoring specification to store instead of ``results.scoring_spec()``.

    Returns
    -------
    dict
        JSON-ready.

    Examples
    --------
    >>> import expectmodel as em
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
    ...              missing="listwise").fit(em.datasets.load_csi_survey())
    >>> doc = bundle_document(res)
    >>> doc["schema"], doc["results"]["schema"], len(doc["id"])
    ('expectmodel.bundle', 'expectmodel.pls', 64)
    """
    meta = results.meta
    config = _config(meta)
    full = results.to_dict()
    content = {k: v for k, v in full.items() if k not in ("schema", "schema_version", "meta")}
    make_spec = getattr(results, "scoring_spec", None)
    spec = scoring
    if spec is None and make_spec is not None:
        try:
            spec = make_spec()
        except ExpectmodelError:  # this fit does not score new data (e.g. a latent model with scale usage)
            spec = None
    if spec is not None:
        try:
            scoring = _b.encode_spec(spec)
        except ScoringError as exc:
            raise ExportError(f"{type(results).__name__}.scoring_spec() cannot be exported: {exc}") from None
    else:
        scoring = None
    cls = type(results)
    doc: dict[str, Any] = {
        "schema": _b.SCHEMA,
        "schema_version": _b.SCHEMA_VERSION,
        "id": _b.config_id(config),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "results": {"schema": results.schema, "schema_version": results.schema_version,
                    "class": f"{cls.__module__}.{cls.__qualname__}"},
        "config": config,
        "meta": meta.to_dict(),
        "table": _encode_table(results.to_frame()),
        "content": content,
        "scoring": scoring,
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for name, data in (files or {}).items()},
    }
    try:
        doc = json.loads(_b.canonical(doc))  # plain JSON types, and no NaN anywhere
    except ValueError as exc:
        raise ExportError(f"{type(results).__name__} holds a value that JSON cannot store ({exc}).") from None
    doc["checksum"] = {"algorithm": "sha256", "payload": _b._payload_digest(doc)}
    return doc


# -- load -------------------------------------------------------------------------------------------------------
def _read(path: str | Path, max_bytes: int) -> tuple[dict[str, Any], dict[str, bytes]]:
    try:
        return _b.read_bundle(path, max_bytes=max_bytes)
    except ScoringError as exc:
        raise ExportError(str(exc)) from None


@dataclass(frozen=True, repr=False, eq=False)
class LoadedResults(ResultsBase):
    """A fit read back from a bundle: its parameter table, meta, family content and scoring program.

    :func:`load` returns one for every family whose results class does not rebuild itself from a bundle.
    It keeps the results contract: ``to_frame()`` (equal to the saved fit's), ``meta``, ``summary()``,
    ``to_dict()`` (the saved schema), ``conf_int`` where the bundle has posterior draws, and ``predict``
    through the numpy scorer.

    Parameters
    ----------
    table : pandas.DataFrame
        The saved ``to_frame()``.
    meta : Meta
        The saved fit's meta.
    content : mapping
        The family content of the saved ``to_dict()``.
    scoring : mapping or None
        The scoring specification (arrays as ndarrays).
    origin : mapping
        ``{"schema", "schema_version", "class", "id", "created", "path"}`` of the bundle.
    files : mapping of str to bytes
        The bundle's other members (``posterior.nc``, ``model.skops``, ``model.onnx``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import expectmodel as em
    >>> survey = em.datasets.load_csi_survey()
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99, missing="listwise").fit(survey)
    >>> back = em.load(em.save(res, pathlib.Path(tempfile.mkdtemp()) / "ecsi"))
    >>> type(back).__name__, back.to_dict()["schema"], back.meta.seed == res.meta.seed
    ('LoadedResults', 'expectmodel.pls', True)
    >>> back.to_frame().equals(res.to_frame()), back.scoring_spec()["program"]
    (True, 'pls_composite')
    >>> back.predict(survey).shape
    (600, 14)
    >>> print(str(back.summary()).splitlines()[1].strip())
    Loaded PLSResults

    A bundle saved with ``sklearn=pipeline, formats=("skops", "onnx")`` also returns its scikit-learn part
    (``tests/export/test_bundle.py`` runs these):

    >>> pipeline = back.sklearn_model()  # doctest: +SKIP
    >>> session = back.onnx_session()  # doctest: +SKIP
    """

    table: pd.DataFrame
    meta: Meta
    content: Mapping[str, Any]
    scoring: Mapping[str, Any] | None
    origin: Mapping[str, Any]
    files: Mapping[str, bytes] = field(default_factory=dict)

    schema: ClassVar[str] = "expectmodel.loaded"
    schema_version: ClassVar[int] = 1

    def to_frame(self) -> pd.DataFrame:
        """Return the saved parameter table (a copy).

        Returns
        -------
        pandas.DataFrame
            Starts with :data:`~expectmodel.results.PARAMETER_COLUMNS`.
        """
        out = self.table.copy()
        out.attrs["ci_level"] = self.meta.ci_level
        return out

    def scoring_spec(self) -> dict[str, Any]:
        """Return the saved scoring specification.

        Returns
        -------
        dict
            As the saved fit's ``scoring_spec()`` (arrays as ndarrays).

        Raises
        ------
        ExportError
            If the saved fit had no scoring program.
        """
        if self.scoring is None:
            raise ExportError(f"this {self.origin['class']} was saved without a scoring program.")
        return dict(self.scoring)

    def predict(self, frame: pd.DataFrame, *, extra: str = "ignore") -> pd.DataFrame:
        """Score new data with the saved scoring program (the numpy scorer).

        Parameters
        ----------
        frame : pandas.DataFrame
            Holds every input column.
        extra : {"ignore", "warn", "raise"}
            What to do about columns the model does not read.

        Returns
        -------
        pandas.DataFrame
            The outputs, one row per input row.
        """
        from expectmodel_scorer import score

        return score(self.scoring_spec(), frame, extra=extra, checked=True)

    def summary(self, digits: int = 3) -> Summary:
        """Render the saved parameter table with the bundle's facts.

        Parameters
        ----------
        digits : int, default 3
            Decimals shown.

        Returns
        -------
        Summary
        """
        name = str(self.origin["class"]).rsplit(".", 1)[-1]
        facts = {"Estimator": self.meta.estimator, "Bundle id": str(self.origin["id"])[:16],
                 "Written": str(self.origin["created"]), "Seed": str(self.meta.seed),
                 "Rows used": str(self.meta.data.n_used),
                 "Scoring program": self.scoring["program"] if self.scoring else "none"}
        s = Summary(f"Loaded {name}", facts=facts, digits=digits)
        shown = self.table.set_index(["kind", "lhs", "op", "rhs", "group"])
        s.add_table(f"Parameters ({self.meta.ci_level:.0%} intervals, {self.meta.ci_method})", shown)
        s.notes.append(f"Read from {self.origin.get('path', 'a bundle')}; the fit's own tables and plots need "
                       "the original results class.")
        return s

    def _repr_facts(self) -> str:
        name = str(self.origin["class"]).rsplit(".", 1)[-1]
        prog = self.scoring["program"] if self.scoring else "no scoring program"
        return f"{name} from a bundle, {len(self.table)} parameters, {prog}, id {str(self.origin['id'])[:12]}"

    def _to_dict(self) -> dict[str, Any]:
        return thaw(dict(self.content))

    def to_dict(self) -> dict[str, Any]:
        """Export as the saved fit did: its ``schema``, ``schema_version``, content and ``meta``.

        Returns
        -------
        dict
            JSON-ready.
        """
        return {"schema": self.origin["schema"], "schema_version": self.origin["schema_version"],
                **self._to_dict(), "meta": self.meta.to_dict()}

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


def _own_class(name: str, schema: str) -> type | None:
    """The saved results class when it is expectmodel's and can rebuild itself (``_from_bundle``)."""
    module, _, qual = name.rpartition(".")
    if not module.startswith("expectmodel.") or not qual.isidentifier():
        return None
    try:
        cls = getattr(importlib.import_module(module), qual, None)
    except ImportError:
        return None
    if (isinstance(cls, type) and issubclass(cls, ResultsBase) and getattr(cls, "schema", None) == schema
            and callable(getattr(cls, "_from_bundle", None))):
        return cls
    return None


def load(path: str | Path, *, max_bytes: int = _b.MAX_MEMBER_BYTES) -> ResultsBase:
    """Read a bundle written by :func:`save` and rebuild its results object.

    The bundle is verified first (schema version, checksum, id against the configuration, every key and
    array; see :func:`expectmodel_scorer.read_bundle`). A results class that can rebuild itself from a
    bundle (a ``_from_bundle(doc, files)`` class method) does; every other fit comes back as a
    :class:`LoadedResults`.

    Parameters
    ----------
    path : str or pathlib.Path
        A bundle folder or zip file.
    max_bytes : int
        The largest member accepted.

    Returns
    -------
    ResultsBase
        ``to_frame()`` equals the saved fit's.

    Raises
    ------
    ExportError
        If the bundle is invalid, tampered with, of another schema version, or its id does not match its
        configuration.

    Examples
    --------
    >>> load("no-such-bundle")
    Traceback (most recent call last):
    ...
    expectmodel.errors.ExportError: 'no-such-bundle' does not exist.
    """
    doc, files = _read(path, max_bytes)
    meta = _meta_from_dict(doc["meta"])
    if _config(meta) != doc["config"]:
        raise ExportError(f"the meta of '{path}' does not match its configuration (estimator, settings, spec, "
                          "seed); refused.")
    origin = {**doc["results"], "id": doc["id"], "created": doc["created"], "path": str(path)}
    cls = _own_class(doc["results"]["class"], doc["results"]["schema"])
    if cls is not None:
        return cls._from_bundle(doc, files)
    return LoadedResults(table=_decode_table(doc["table"]), meta=meta, content=doc["content"],
                         scoring=doc["scoring"], origin=origin, files=files)


def inspect(path: str | Path) -> str:
    """Describe what a bundle holds: model, id, versions, inputs with their coding, outputs, members.

    Parameters
    ----------
    path : str or pathlib.Path
        A bundle folder or zip file.

    Returns
    -------
    str
        A plain-text report (what ``expectmodel inspect`` prints).

    Raises
    ------
    ExportError
        If the bundle is invalid.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import expectmodel as em
    >>> res = em.PLS(em.spec.templates.ecsi(), scale=(1, 10), missing_values=-99,
    ...              missing="listwise").fit(em.datasets.load_csi_survey())
    >>> report = inspect(em.save(res, pathlib.Path(tempfile.mkdtemp()) / "ecsi.zip"))
    >>> report.splitlines()[0]
    'expectmodel bundle (schema version 1)'
    """
    doc, files = _read(path, _b.MAX_MEMBER_BYTES)
    meta = doc["meta"]
    lines = [f"expectmodel bundle (schema version {doc['schema_version']})",
             f"  path:       {path}",
             f"  model:      {doc['results']['class']} (schema {doc['results']['schema']} "
             f"v{doc['results']['schema_version']})",
             f"  estimator:  {doc['config']['estimator']}",
             f"  id:         {doc['id']}",
             f"  written:    {doc['created']}",
             f"  seed:       {doc['config']['seed']}",
             f"  rows used:  {meta.get('data', {}).get('n_used')}",
             f"  parameters: {len(doc['table']['data'][0]) if doc['table']['data'] else 0} rows in the table",
             "  versions:   " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items())]
    spec = doc["scoring"]
    if spec is None:
        lines.append("  scoring:    none (this model does not score new data)")
    else:
        lines.append(f"  scoring:    program {spec['program']!r}, {len(spec['inputs'])} inputs -> "
                     f"{len(spec['outputs'])} outputs")
        lines.append("  inputs:")
        for e in spec["inputs"]:
            coding = []
            if e["scale"]:
                coding.append(f"scale [{e['scale'][0]:g}, {e['scale'][1]:g}]")
            if e["codes"]:
                coding.append(f"codes {e['codes']}")
            if e["missing_codes"]:
                coding.append(f"missing {e['missing_codes']}")
            if e["range"]:
                coding.append(f"trained on [{e['range'][0]:g}, {e['range'][1]:g}]")
            lines.append(f"    {e['column']:<16} {e['kind']:<8} " + "; ".join(coding))
        lines.append("  outputs:    " + ", ".join(spec["outputs"]))
        lines.append("  arrays:     " + ", ".join(f"{k} {tuple(v.shape)}" for k, v in spec["arrays"].items()))
    members = ["model.json", *(f"{n} ({len(d):,} bytes)" for n, d in files.items())]
    lines.append("  members:    " + ", ".join(members))
    lines.append("  checksum:   sha256 verified")
    return "\n".join(lines)
