"""Read and verify export bundles: the schema of ``model.json`` and the safe reading of a folder or zip.

A bundle is a folder or a zip file holding ``model.json`` and, optionally, ``posterior.nc``,
``model.onnx`` and ``model.skops`` (no other member, and never a pickle). ``model.json`` is one JSON
object (schema ``expectmodel.bundle``, :data:`SCHEMA_VERSION`) with exactly these keys:

``schema``, ``schema_version``
    ``"expectmodel.bundle"`` and an integer; an older or newer version is refused with a message.
``id``
    SHA-256 of the canonical JSON of ``config``: the estimator, its settings, the model specification
    and the seed. A bundle whose ``config`` no longer matches its ``id`` is refused.
``created``
    The UTC time of writing (ISO 8601).
``results``
    ``{"schema", "schema_version", "class"}`` of the results object saved (``class`` is its module and
    name, e.g. ``"expectmodel.sem.results.PLSResults"``).
``config``
    ``{"estimator", "params", "spec", "seed"}``.
``meta``
    The results' ``meta.to_dict()``: settings, data provenance (rows, missing codes, columns,
    fingerprint), interval level, conventions, package and dependency versions, seed.
``table``
    The results' ``to_frame()``: ``{"columns", "dtypes", "data", "index"}`` (``data`` holds one list per column;
    null is a missing value).
``content``
    The results' family content of ``to_dict()`` (without ``schema`` and ``meta``).
``scoring``
    null, or the scoring specification (see :mod:`expectmodel_scorer.programs`) with each array written
    as ``{"dtype": "float64", "shape": [...], "data": [...]}`` (row-major, finite numbers only).
``files``
    ``{name: {"sha256", "bytes"}}`` for every other member of the bundle.
``checksum``
    ``{"algorithm": "sha256", "payload": hex}``: SHA-256 of the canonical JSON (sorted keys, no
    spaces, UTF-8) of every other key.

Every number in ``model.json`` is finite (``NaN`` and ``Infinity`` are refused on reading).
"""

from __future__ import annotations

import hashlib
import json
import math
import stat
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from expectmodel_scorer.core import ScoringError, check_spec, score

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_MEMBER_BYTES",
    "MEMBERS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "BundleError",
    "Scorer",
    "canonical",
    "config_id",
    "decode_spec",
    "encode_spec",
    "load_scorer",
    "read_bundle",
]

SCHEMA = "expectmodel.bundle"
#: The version of ``model.json`` this scorer reads and writes.
SCHEMA_VERSION = 1
#: The members a bundle may hold; anything else is refused.
MEMBERS = ("model.json", "posterior.nc", "model.onnx", "model.skops")
#: The largest ``model.json`` read (bytes).
MAX_JSON_BYTES = 64 * 2**20
#: The largest member read, as declared in a zip's directory and as actually read (bytes); a larger one is
#: refused as a possible zip bomb. Pass ``max_bytes`` to raise it for a large posterior.
MAX_MEMBER_BYTES = 512 * 2**20
#: The largest compression ratio of a zip member accepted (a zip bomb compresses far more).
MAX_RATIO = 200
KEYS = ("schema", "schema_version", "id", "created", "results", "config", "meta", "table", "content",
        "scoring", "files", "checksum")
CONFIG_KEYS = ("estimator", "params", "spec", "seed")
RESULTS_KEYS = ("schema", "schema_version", "class")
TABLE_KEYS = ("columns", "dtypes", "data", "index")
ARRAY_KEYS = ("dtype", "shape", "data")
ARRAY_DTYPES = ("float64",)
_PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


class BundleError(ScoringError):
    """A bundle is invalid, tampered with, truncated, unsafe or of another schema version."""


# -- canonical JSON and hashes -------------------------------------------------------------------------------
def canonical(value: Any) -> bytes:
    """Serialise ``value`` as canonical JSON (sorted keys, no spaces, UTF-8, finite numbers only).

    Parameters
    ----------
    value : object
        JSON-ready data.

    Returns
    -------
    bytes
        The bytes that checksums and ids are computed over.

    Examples
    --------
    >>> canonical({"b": 1, "a": [1.5, None]})
    b'{"a":[1.5,null],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def config_id(config: Mapping[str, Any]) -> str:
    """Compute a bundle's id: SHA-256 of the canonical JSON of its configuration.

    Parameters
    ----------
    config : mapping
        ``{"estimator", "params", "spec", "seed"}``.

    Returns
    -------
    str
        64 hexadecimal digits.

    Examples
    --------
    >>> len(config_id({"estimator": "PLS", "params": {}, "spec": None, "seed": 1}))
    64
    """
    return hashlib.sha256(canonical(dict(config))).hexdigest()


def _payload_digest(doc: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in doc.items() if k != "checksum"})).hexdigest()


# -- arrays in JSON ------------------------------------------------------------------------------------------
def _encode_array(value: Any, name: str) -> dict[str, Any]:
    arr = np.asarray(value, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise BundleError(f"array {name!r} holds non-finite values; a bundle stores finite parameters only.")
    return {"dtype": "float64", "shape": list(arr.shape), "data": arr.ravel().tolist()}


def _decode_array(value: Any, name: str) -> np.ndarray:
    if not isinstance(value, Mapping):
        raise BundleError(f"scoring['arrays'][{name!r}] must be {{'dtype', 'shape', 'data'}}; got "
                          f"{type(value).__name__}.")
    extra = sorted(set(value) - set(ARRAY_KEYS))
    if extra or set(value) != set(ARRAY_KEYS):
        raise BundleError(f"scoring['arrays'][{name!r}] must have exactly the keys {list(ARRAY_KEYS)}; "
                          f"it has {sorted(value)}.")
    if value["dtype"] not in ARRAY_DTYPES:
        raise BundleError(f"scoring['arrays'][{name!r}] has dtype {value['dtype']!r}; allowed: {list(ARRAY_DTYPES)}.")
    shape = value["shape"]
    if not isinstance(shape, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0
                                                 for s in shape):
        raise BundleError(f"scoring['arrays'][{name!r}] has an invalid shape {shape!r}.")
    data = value["data"]
    if not isinstance(data, list) or len(data) != math.prod(shape):
        raise BundleError(f"scoring['arrays'][{name!r}]: shape {shape} needs {math.prod(shape)} values; "
                          f"the data hold {len(data) if isinstance(data, list) else type(data).__name__}.")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in data):
        raise BundleError(f"scoring['arrays'][{name!r}] holds a value that is not a number.")
    arr = np.asarray(data, dtype=np.float64).reshape(shape)
    if not np.isfinite(arr).all():
        raise BundleError(f"scoring['arrays'][{name!r}] holds a non-finite value.")
    return arr


def encode_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Write a scoring specification as JSON-ready data (checked first; arrays as dtype, shape, data).

    Parameters
    ----------
    spec : mapping
        A scoring specification.

    Returns
    -------
    dict
        The ``scoring`` entry of ``model.json``.

    Examples
    --------
    >>> spec = {"program": "logit", "inputs": [{"column": "x", "kind": "float"}], "outputs": ["p"],
    ...         "arrays": {"coef": [0.5]}, "settings": {"intercept": 0.0}}
    >>> encode_spec(spec)["arrays"]
    {'coef': {'data': [0.5], 'dtype': 'float64', 'shape': [1]}}
    """
    checked = check_spec(spec)
    out = {k: v for k, v in checked.items() if k != "arrays"}
    out["inputs"] = [dict(e, scale=list(e["scale"]) if e["scale"] else None,
                          range=list(e["range"]) if e["range"] else None) for e in checked["inputs"]]
    out["arrays"] = {name: _encode_array(arr, name) for name, arr in checked["arrays"].items()}
    return json.loads(canonical(out))  # plain JSON types only (tuples become lists, numpy scalars numbers)


def decode_spec(data: Mapping[str, Any]) -> dict[str, Any]:
    """Read the ``scoring`` entry of ``model.json`` back into a checked scoring specification.

    Parameters
    ----------
    data : mapping
        As written by :func:`encode_spec`.

    Returns
    -------
    dict
        The specification, arrays as float ndarrays, checked by :func:`~expectmodel_scorer.check_spec`.

    Examples
    --------
    >>> spec = {"program": "logit", "inputs": [{"column": "x", "kind": "float"}], "outputs": ["p"],
    ...         "arrays": {"coef": [0.5]}, "settings": {"intercept": 0.0}}
    >>> decode_spec(encode_spec(spec))["arrays"]["coef"]
    array([0.5])
    """
    if not isinstance(data, Mapping):
        raise BundleError(f"'scoring' must be a mapping or null; got {type(data).__name__}.")
    arrays = data.get("arrays")
    if not isinstance(arrays, Mapping):
        raise BundleError("'scoring' must hold 'arrays' as a mapping.")
    decoded = {name: _decode_array(value, name) for name, value in arrays.items()}
    try:
        return check_spec({**data, "arrays": decoded}, where="scoring")
    except BundleError:
        raise
    except ScoringError as exc:
        raise BundleError(str(exc)) from None


# -- reading a bundle ----------------------------------------------------------------------------------------
def _refuse_constant(name: str) -> float:
    raise BundleError(f"model.json holds the non-finite number {name}; a bundle stores finite numbers only.")


def _is_pickle(head: bytes) -> bool:
    """Protocols 2-5 start with PROTO (0x80) and the version; protocols 0 and 1 usually with MARK or EMPTY_*."""
    return head[:2] in _PICKLE_MAGIC or head[:1] in (b"(", b"]", b"}")


def _check_member_name(name: str) -> None:
    if "\\" in name or name.startswith("/") or ".." in Path(name).parts or Path(name).is_absolute():
        raise BundleError(f"the zip bundle holds the member {name!r}, a path outside the bundle (path "
                          "traversal); refused.")
    if name not in MEMBERS:
        raise BundleError(f"the bundle holds the member {name!r}; a bundle may hold only {list(MEMBERS)}.")


def _read_zip(path: Path, max_bytes: int) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BundleError(f"'{path}' is not a complete zip file (truncated or corrupt); refused.") from None
    files: dict[str, bytes] = {}
    with archive:
        infos = archive.infolist()
        if len(infos) > len(MEMBERS):
            raise BundleError(f"the zip bundle '{path}' holds {len(infos)} members; at most {len(MEMBERS)}.")
        for info in infos:
            _check_member_name(info.filename)
            if info.filename in files:
                raise BundleError(f"the zip bundle '{path}' holds {info.filename!r} twice.")
            limit = MAX_JSON_BYTES if info.filename == "model.json" else max_bytes
            if info.file_size > limit:
                raise BundleError(f"the member {info.filename!r} of '{path}' declares {info.file_size} bytes, "
                                  f"over the limit of {limit} bytes (a possible zip bomb); refused.")
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise BundleError(f"the member {info.filename!r} of '{path}' is compressed "
                                  f"{info.file_size / info.compress_size:.0f}:1, over the limit of {MAX_RATIO}:1 "
                                  "(a possible zip bomb); refused.")
            try:
                with archive.open(info) as member:
                    data = member.read(limit + 1)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
                raise BundleError(f"the member {info.filename!r} of '{path}' cannot be read ({exc}); the file is "
                                  "truncated or corrupt.") from None
            if len(data) > limit or len(data) != info.file_size:
                raise BundleError(f"the member {info.filename!r} of '{path}' does not have its declared size "
                                  f"({info.file_size} bytes); refused.")
            files[info.filename] = data
    return files


def _read_folder(path: Path, max_bytes: int) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for entry in sorted(path.iterdir()):
        mode = entry.lstat().st_mode
        if stat.S_ISLNK(mode):
            raise BundleError(f"the bundle folder '{path}' holds the link {entry.name!r}; refused.")
        _check_member_name(entry.name)
        if not stat.S_ISREG(mode):
            raise BundleError(f"'{entry}' is not a plain file; refused.")
        limit = MAX_JSON_BYTES if entry.name == "model.json" else max_bytes
        if entry.stat().st_size > limit:
            raise BundleError(f"'{entry}' holds {entry.stat().st_size} bytes, over the limit of {limit}; refused.")
        files[entry.name] = entry.read_bytes()
    return files


def _strict_keys(value: Any, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(value, Mapping):
        raise BundleError(f"{where} must be a JSON object; got {type(value).__name__}.")
    extra = sorted(set(value) - set(keys))
    if extra:
        raise BundleError(f"{where} has the unknown key(s) {extra}; it may hold only {list(keys)}. A bundle "
                          "written by a newer expectmodel, or edited by hand, is refused.")
    lacking = [k for k in keys if k not in value]
    if lacking:
        raise BundleError(f"{where} lacks the key(s) {lacking}; the file is incomplete.")


def read_bundle(path: str | Path, *, max_bytes: int = MAX_MEMBER_BYTES) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Read and verify a bundle (folder or zip); return ``model.json`` as a dict and the other members.

    Parameters
    ----------
    path : str or pathlib.Path
        A bundle folder or ``.zip`` file written by ``expectmodel.save``.
    max_bytes : int
        The largest member accepted (see :data:`MAX_MEMBER_BYTES`).

    Returns
    -------
    doc : dict
        ``model.json``, verified: schema and version, every key, the checksum, the id, every array.
        ``doc["scoring"]`` is decoded (arrays as ndarrays), or None.
    files : dict of str to bytes
        The other members (``posterior.nc``, ``model.onnx``, ``model.skops``), each verified against its
        SHA-256.

    Raises
    ------
    BundleError
        Naming the problem: a missing, truncated, tampered, unsafe or pickled file, an unknown key, a
        non-finite number, another schema version, an id that does not match the configuration.

    Examples
    --------
    >>> read_bundle("no-such-bundle")
    Traceback (most recent call last):
    ...
    expectmodel_scorer.bundle.BundleError: 'no-such-bundle' does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise BundleError(f"'{path}' does not exist.")
    if path.is_dir():
        files = _read_folder(path, max_bytes)
    else:
        with open(path, "rb") as fh:
            head = fh.read(4)
        if _is_pickle(head) or path.suffix in (".pkl", ".pickle", ".joblib"):
            raise BundleError(f"'{path}' is a pickle. expectmodel bundles never hold pickles, because loading one "
                              "can run any code; save the model with expectmodel.save and load that.")
        if head[:2] != b"PK":
            raise BundleError(f"'{path}' is neither a bundle folder nor a zip bundle; refused.")
        files = _read_zip(path, max_bytes)
    for name, data in files.items():
        if data[:2] in _PICKLE_MAGIC or (_is_pickle(data[:4]) and name != "model.json"):
            raise BundleError(f"the member {name!r} of '{path}' is a pickle; refused (bundles never hold pickles).")
    if "model.json" not in files:
        raise BundleError(f"'{path}' holds no model.json; it is not an expectmodel bundle.")
    raw = files.pop("model.json")
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise BundleError(f"model.json of '{path}' is not UTF-8 text; the file is corrupt.") from None
    except json.JSONDecodeError as exc:
        raise BundleError(f"model.json of '{path}' is not valid JSON ({exc.msg} at line {exc.lineno}, column "
                          f"{exc.colno}); the file is truncated or corrupt.") from None
    if not isinstance(doc, dict):
        raise BundleError(f"model.json of '{path}' must hold one JSON object.")
    if doc.get("schema") != SCHEMA:
        raise BundleError(f"model.json of '{path}' has schema {doc.get('schema')!r}; expected {SCHEMA!r}.")
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BundleError(f"model.json of '{path}' has no integer schema_version.")
    if version > SCHEMA_VERSION:
        raise BundleError(f"'{path}' is a bundle of schema version {version}, newer than this scorer's "
                          f"{SCHEMA_VERSION}; upgrade expectmodel (or expectmodel_scorer) to read it.")
    if version < SCHEMA_VERSION:
        raise BundleError(f"'{path}' is a bundle of schema version {version}, older than this scorer's "
                          f"{SCHEMA_VERSION}; re-export it with the current expectmodel.save, or read it with "
                          "the expectmodel version that wrote it.")
    _strict_keys(doc, KEYS, "model.json")
    checksum = doc["checksum"]
    _strict_keys(checksum, ("algorithm", "payload"), "model.json['checksum']")
    if checksum["algorithm"] != "sha256":
        raise BundleError(f"model.json's checksum algorithm is {checksum['algorithm']!r}; expected 'sha256'.")
    try:
        digest = _payload_digest(doc)
    except ValueError as exc:
        raise BundleError(f"model.json holds a value that cannot be checked ({exc}).") from None
    if digest != checksum["payload"]:
        raise BundleError(f"the payload of '{path}' does not match its SHA-256 checksum: the file was changed or "
                          "damaged after it was written; refused.")
    _strict_keys(doc["config"], CONFIG_KEYS, "model.json['config']")
    if config_id(doc["config"]) != doc["id"]:
        raise BundleError(f"the id of '{path}' does not match its configuration (estimator, settings, spec, "
                          "seed); refused.")
    _strict_keys(doc["results"], RESULTS_KEYS, "model.json['results']")
    _strict_keys(doc["table"], TABLE_KEYS, "model.json['table']")
    if not isinstance(doc["files"], Mapping):
        raise BundleError("model.json['files'] must be a JSON object.")
    for name, entry in doc["files"].items():
        _strict_keys(entry, ("sha256", "bytes"), f"model.json['files'][{name!r}]")
        if name not in files:
            raise BundleError(f"'{path}' lacks the member {name!r} that model.json lists; the bundle is incomplete.")
        data = files[name]
        if len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BundleError(f"the member {name!r} of '{path}' does not match its SHA-256 checksum (truncated or "
                              "changed); refused.")
    unlisted = sorted(set(files) - set(doc["files"]))
    if unlisted:
        raise BundleError(f"'{path}' holds member(s) {unlisted} that model.json does not list; refused.")
    if doc["scoring"] is not None:
        doc["scoring"] = decode_spec(doc["scoring"])
    return doc, files


# -- the scorer ----------------------------------------------------------------------------------------------
class Scorer:
    """A verified bundle's scoring program, ready to score data frames (numpy and pandas only).

    Parameters
    ----------
    spec : mapping
        A scoring specification.
    info : mapping, optional
        What the bundle says about the model (``id``, ``results``, ``config``, ``created``, versions).

    Examples
    --------
    >>> import pandas as pd
    >>> spec = {"program": "logit", "inputs": [{"column": "sat", "kind": "float", "scale": [1, 10]}],
    ...         "outputs": ["p_churn"], "arrays": {"coef": [-0.5]}, "settings": {"intercept": 2.0}}
    >>> scorer = Scorer(spec)
    >>> scorer.inputs, scorer.outputs
    (['sat'], ['p_churn'])
    >>> scorer.score(pd.DataFrame({"sat": [4.0, 10.0]})).round(3)["p_churn"].tolist()
    [0.5, 0.047]
    """

    def __init__(self, spec: Mapping[str, Any], info: Mapping[str, Any] | None = None) -> None:
        self.spec = check_spec(spec)
        self.info = dict(info or {})

    @property
    def inputs(self) -> list[str]:
        """The input columns, in the order the program reads them."""
        return [e["column"] for e in self.spec["inputs"]]

    @property
    def outputs(self) -> list[str]:
        """The output columns."""
        return list(self.spec["outputs"])

    def score(self, frame: pd.DataFrame, *, extra: str = "ignore") -> pd.DataFrame:
        """Score ``frame``: one row of outputs per row, index kept.

        Parameters
        ----------
        frame : pandas.DataFrame
            Holds every input column.
        extra : {"ignore", "warn", "raise"}, default "ignore"
            What to do about columns the model does not read.

        Returns
        -------
        pandas.DataFrame
            The outputs.

        Examples
        --------
        See the class example.
        """
        return score(self.spec, frame, extra=extra, checked=True)

    def __repr__(self) -> str:
        model = self.info.get("results", {}).get("class", "model").rsplit(".", 1)[-1]
        return (f"<Scorer: {model}, program {self.spec['program']!r}, {len(self.inputs)} inputs -> "
                f"{len(self.outputs)} outputs>")


def load_scorer(path: str | Path, *, max_bytes: int = MAX_MEMBER_BYTES) -> Scorer:
    """Read a bundle (folder or zip), verify it, and return its :class:`Scorer`.

    Parameters
    ----------
    path : str or pathlib.Path
        A bundle written by ``expectmodel.save``.
    max_bytes : int
        The largest member accepted.

    Returns
    -------
    Scorer
        ``load_scorer(path).score(frame)`` scores new data.

    Raises
    ------
    BundleError
        If the bundle is invalid (see :func:`read_bundle`) or holds no scoring program.

    Examples
    --------
    >>> load_scorer("no-such-bundle.zip")
    Traceback (most recent call last):
    ...
    expectmodel_scorer.bundle.BundleError: 'no-such-bundle.zip' does not exist.
    """
    doc, _ = read_bundle(path, max_bytes=max_bytes)
    if doc["scoring"] is None:
        raise BundleError(f"'{path}' ({doc['results']['class']}) holds no scoring program: this model does not "
                          "score new data.")
    info = {k: doc[k] for k in ("id", "created", "results", "config")}
    info["versions"] = dict(doc["meta"].get("versions", {})) if isinstance(doc["meta"], Mapping) else {}
    return Scorer(doc["scoring"], info)
