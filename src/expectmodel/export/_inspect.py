"""``inspect``: a plain-text description of what an export bundle holds (what ``expectmodel inspect`` prints)."""

from __future__ import annotations

from pathlib import Path

from expectmodel.export._document import _read
from expectmodel_scorer import bundle as _b


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
