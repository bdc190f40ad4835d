"""Ready-made structures: the ACSI (Fornell et al. 1996) and ECSI (Tenenhaus et al. 2005).

Each template takes an optional mapping from construct name to the user's
column names; constructs left out keep the default item names shown below
(the ECSI defaults are the ``mobi`` names used throughout the PLS literature).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from expectmodel.errors import SpecError
from expectmodel.spec.model import Model, Path, items, reflective

__all__ = ["ACSI_ITEMS", "ECSI_ITEMS", "acsi", "ecsi"]

ACSI_ITEMS: dict[str, list[str]] = {
    "Expectations": items("CUEX", 1, 3),
    "Quality": items("PERQ", 1, 3),
    "Value": items("PERV", 1, 2),
    "Satisfaction": items("CUSA", 1, 3),
    "Complaints": ["CUSCO"],
    "Loyalty": items("CUSL", 1, 3),
}
_ACSI_PATHS = [
    ("Expectations", "Quality"), ("Expectations", "Value"), ("Expectations", "Satisfaction"),
    ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
]

ECSI_ITEMS: dict[str, list[str]] = {
    "Image": items("IMAG", 1, 5),
    "Expectation": items("CUEX", 1, 3),
    "Quality": items("PERQ", 1, 7),
    "Value": items("PERV", 1, 2),
    "Satisfaction": items("CUSA", 1, 3),
    "Complaints": ["CUSCO"],
    "Loyalty": items("CUSL", 1, 3),
}
_ECSI_PATHS = [
    ("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
    ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
    ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
]


def _build(name: str, defaults: dict[str, list[str]], edges: list[tuple[str, str]],
           mapping: Mapping[str, Sequence[str]] | None) -> Model:
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - set(defaults))
    if unknown:
        raise SpecError(
            f"The {name} template has no construct(s) {', '.join(map(repr, unknown))}; "
            f"its constructs are {', '.join(defaults)}."
        )
    blocks = {c: list(mapping.get(c, cols)) for c, cols in defaults.items()}
    for c in blocks:
        if isinstance(mapping.get(c), str):
            blocks[c] = [mapping[c]]  # a single column given as a bare string
    return Model([reflective(c, cols) for c, cols in blocks.items()], [Path(s, t) for s, t in edges])


def acsi(mapping: Mapping[str, Sequence[str]] | None = None) -> Model:
    """Build the American Customer Satisfaction Index model (Fornell et al. 1996).

    Expectations -> {Quality, Value, Satisfaction}; Quality -> {Value, Satisfaction};
    Value -> Satisfaction; Satisfaction -> {Complaints, Loyalty}; Complaints -> Loyalty.

    Parameters
    ----------
    mapping : mapping of str to sequence of str, optional
        The user's item columns by construct name (a single column may be a bare string);
        constructs left out keep the default items (:data:`ACSI_ITEMS`).

    Returns
    -------
    Model
        Reflective constructs, in the order above, and the template's paths.

    Raises
    ------
    SpecError
        If ``mapping`` names a construct the template does not have.

    Examples
    --------
    >>> from expectmodel.spec.templates import acsi
    >>> m = acsi({"Complaints": "complained"})
    >>> m.names
    ('Expectations', 'Quality', 'Value', 'Satisfaction', 'Complaints', 'Loyalty')
    >>> m.construct("Complaints").indicators, len(m.paths)
    (('complained',), 9)
    """
    return _build("ACSI", ACSI_ITEMS, _ACSI_PATHS, mapping)


def ecsi(mapping: Mapping[str, Sequence[str]] | None = None) -> Model:
    """Build the European Customer Satisfaction Index model (Tenenhaus et al. 2005, ``mobi`` layout).

    Image -> {Expectation, Satisfaction, Loyalty}; Expectation -> {Quality, Value,
    Satisfaction}; Quality -> {Value, Satisfaction}; Value -> Satisfaction;
    Satisfaction -> {Complaints, Loyalty}; Complaints -> Loyalty.

    In R: seminr's ECSI demo (seminr-pls-ecsi.R) on the mobi data.

    Parameters
    ----------
    mapping : mapping of str to sequence of str, optional
        The user's item columns by construct name (a single column may be a bare string);
        constructs left out keep the default items (:data:`ECSI_ITEMS`, the ``mobi`` names).

    Returns
    -------
    Model
        Reflective constructs, in the order above, and the template's paths.

    Raises
    ------
    SpecError
        If ``mapping`` names a construct the template does not have.

    Examples
    --------
    >>> from expectmodel.spec.templates import ecsi
    >>> m = ecsi()
    >>> m.predecessors("Satisfaction")
    ('Image', 'Expectation', 'Quality', 'Value')
    >>> m.construct("Image").indicators
    ('IMAG1', 'IMAG2', 'IMAG3', 'IMAG4', 'IMAG5')
    """
    return _build("ECSI", ECSI_ITEMS, _ECSI_PATHS, mapping)
