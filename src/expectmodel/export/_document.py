"""``model.json`` of an export bundle: a fit as one JSON document, and its parts read back.

:func:`bundle_document` builds the document :func:`~expectmodel.export.save` writes (configuration,
meta, parameter table, family content, scoring program, member checksums, id and payload checksum);
the helpers here encode and decode its parameter table and meta, and read a bundle through the
scorer's verifying reader.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from expectmodel.errors import ExpectmodelError, ExportError
from expectmodel.results import DataInfo, Meta, ResultsBase, thaw
from expectmodel_scorer import bundle as _b
from expectmodel_scorer.core import ScoringError


# -- tables as JSON -------------------------------------------------------------------------------------------
def _encode_table(frame: pd.DataFrame) -> dict[str, Any]:
    columns, dtypes, data = [], [], []
    for name in frame.columns:
        col = frame[name]
        dtype = str(col.dtype)
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            # a nullable column's pd.NA and a float NaN are both stored as null
            values = [None if v is pd.NA or (isinstance(v, float) and not np.isfinite(v)) else v
                      for v in col.tolist()]
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
            try:
                series = pd.Series([np.nan if v is None else v for v in values], dtype=float)
                if not dtype.startswith("float"):
                    series = series.astype(dtype)
            except (TypeError, ValueError) as err:
                raise ExportError(f"model.json['table'] column {name!r} does not hold {dtype} values "
                                  f"({err}); the bundle is damaged or was edited by hand.") from None
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


# -- the document ---------------------------------------------------------------------------------------------
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


def _read(path: str | Path, max_bytes: int) -> tuple[dict[str, Any], dict[str, bytes]]:
    try:
        return _b.read_bundle(path, max_bytes=max_bytes)
    except ScoringError as exc:
        raise ExportError(str(exc)) from None
