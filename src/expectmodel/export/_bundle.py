"""Write and read export bundles: ``save``, ``load``, ``inspect`` and the loaded-results class.

The parts live by idea in private modules: ``model.json``, the fit as one JSON document
(``_document``: :func:`bundle_document` and the table and meta codecs), the optional members
``posterior.nc``, ``model.skops`` and ``model.onnx`` (``_members``: their writers, and their readers mixed
into :class:`LoadedResults`), and the text report (``_inspect``: :func:`inspect`); all re-exported here.
"""

from __future__ import annotations

import importlib
import json
import shutil
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from expectmodel.errors import ExportError, ParameterError
from expectmodel.export._document import _config, _decode_table, _meta_from_dict, _read, bundle_document
from expectmodel.export._inspect import inspect  # noqa: F401 (re-exported)
from expectmodel.export._members import (
    _TREE_ATTRS,  # noqa: F401 (kept importable here, as are the next two)
    POSTERIOR_GROUPS,  # noqa: F401
    RESPONDENT_DIMS,  # noqa: F401
    MembersMixin,
    _onnx_bytes,
    _posterior_bytes,
    _skops_bytes,
)
from expectmodel.results import Meta, ResultsBase, thaw
from expectmodel.summary import Summary
from expectmodel_scorer import bundle as _b


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


# -- load -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class LoadedResults(MembersMixin, ResultsBase):
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
