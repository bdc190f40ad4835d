"""Mediation in a PLS path model: specific and total indirect effects (array-first).

A *specific* indirect effect is the product of the path coefficients along one chain
``X -> M1 -> ... -> Mk -> Y`` (k >= 1 mediators; parallel and serial chains alike); the *total*
indirect effect of X on Y is the total effect minus the direct path, which equals the sum of the
specific effects of every chain from X to Y.  Bootstrap inference needs no extra work per resample:
the chains are products of the stored path draws (and of the jackknife replicates, for BCa), formed
once after the bootstrap (METHODS §1c: no Sobel test).

The share mediated (VAF = indirect / total) is reported only where the indirect and the total
effect have the same sign (Zhao, Lynch & Chen 2010); the mediation type follows their typology
from whether the intervals of the direct and the total indirect effect exclude zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expectmodel.sem import _kernel as k

__all__ = ["Chain", "chain_products", "chains", "mediation_type"]


@dataclass(frozen=True)
class Chain:
    """One mediation chain: the constructs in order and the positions of its paths among the model's paths."""

    nodes: tuple[int, ...]  # construct positions, source first
    edges: tuple[int, ...]  # positions in the (source, target) order of ``np.nonzero(layout.adjacency)``

    @property
    def source(self) -> int:
        """The chain's first construct."""
        return self.nodes[0]

    @property
    def target(self) -> int:
        """The chain's last construct."""
        return self.nodes[-1]


def chains(layout: k.Layout) -> tuple[Chain, ...]:
    r"""List every directed chain with at least one mediator, by (source, target) in the model's construct order.

    Parameters
    ----------
    layout : Layout
        The compiled (recursive) model.

    Returns
    -------
    tuple of Chain

    Examples
    --------
    >>> from expectmodel.spec import Model
    >>> from expectmodel.sem._kernel import Layout
    >>> layout = Layout.from_model(Model.from_syntax("X =~ x\nM =~ m\nY =~ y\nM ~ X\nY ~ X + M"))
    >>> [c.nodes for c in chains(layout)]
    [(0, 1, 2)]
    """
    src, dst = np.nonzero(layout.adjacency)
    edge = {(int(a), int(b)): e for e, (a, b) in enumerate(zip(src, dst, strict=True))}
    succ: dict[int, list[int]] = {i: [] for i in range(layout.m)}
    for a, b in zip(src, dst, strict=True):
        succ[int(a)].append(int(b))
    found: list[tuple[int, ...]] = []

    def walk(path: tuple[int, ...]) -> None:
        for nxt in succ[path[-1]]:
            longer = (*path, nxt)
            if len(longer) >= 3:
                found.append(longer)
            walk(longer)

    for start in range(layout.m):
        walk((start,))
    found.sort(key=lambda nodes: (nodes[0], nodes[-1], len(nodes), nodes))
    return tuple(Chain(nodes, tuple(edge[(nodes[i], nodes[i + 1])] for i in range(len(nodes) - 1)))
                 for nodes in found)


def chain_products(path_values: np.ndarray, found: tuple[Chain, ...]) -> np.ndarray:
    """Multiply the path values (..., P) along each chain: the specific indirect effects (..., C).

    Parameters
    ----------
    path_values : numpy.ndarray
        Path coefficients in the order of ``np.nonzero(layout.adjacency)``; leading axes (bootstrap
        draws, jackknife replicates) broadcast.
    found : tuple of Chain
        From :func:`chains`.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> chain_products(np.array([0.5, 0.2, 0.4]), (Chain((0, 1, 2), (0, 2)),))
    array([0.2])
    """
    out = np.ones((*path_values.shape[:-1], len(found)))
    for c, chain in enumerate(found):
        for e in chain.edges:
            out[..., c] *= path_values[..., e]
    return out


def mediation_type(direct_excludes_zero: bool, indirect_excludes_zero: bool, same_sign: bool) -> str:
    """Zhao, Lynch & Chen's (2010) type from whether the direct and indirect intervals exclude zero.

    Parameters
    ----------
    direct_excludes_zero, indirect_excludes_zero : bool
        Whether the direct path's and the total indirect effect's intervals exclude zero.
    same_sign : bool
        Whether the direct and the indirect effect have the same sign.

    Returns
    -------
    str
        ``"complementary"``, ``"competitive"``, ``"indirect-only"``, ``"direct-only"`` or ``"no effect"``.

    Examples
    --------
    >>> mediation_type(True, True, False)
    'competitive'
    """
    if indirect_excludes_zero:
        if not direct_excludes_zero:
            return "indirect-only"
        return "complementary" if same_sign else "competitive"
    return "direct-only" if direct_excludes_zero else "no effect"
