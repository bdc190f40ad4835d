"""Prediction with a PLS path model: the inner-model routes and PLSpredict (Shmueli et al. 2016, 2019).

:func:`predict_constructs` turns construct scores into the inner model's predictions of the
endogenous constructs, by the direct-antecedents (DA) or the earliest-antecedents (EA) route, as R
seminr's ``predict_DA`` / ``predict_EA``.
"""

from __future__ import annotations

import numpy as np

from expectmodel.sem import _kernel as k

__all__ = ["predict_constructs"]


def predict_constructs(scores: np.ndarray, paths: np.ndarray, layout: k.Layout, route: str = "DA") -> np.ndarray:
    r"""Predict construct scores through the inner model.

    Parameters
    ----------
    scores : numpy.ndarray
        Construct scores (..., n, m) measured from the answers.
    paths : numpy.ndarray
        Path coefficients (..., m, m), ``[i, j]`` the path i -> j.
    layout : Layout
        The compiled model.
    route : {"DA", "EA"}
        ``"DA"``: each endogenous construct from its antecedents' measured scores (``scores @ paths``);
        ``"EA"``: from the exogenous constructs' scores, propagated in topological order.

    Returns
    -------
    numpy.ndarray
        (..., n, m): exogenous columns as given, endogenous columns predicted.

    Examples
    --------
    >>> import numpy as np
    >>> from expectmodel.spec import Model
    >>> from expectmodel.sem._kernel import Layout
    >>> layout = Layout.from_model(Model.from_syntax("A =~ a\nB =~ b\nC =~ c\nB ~ A\nC ~ B"))
    >>> paths = np.zeros((3, 3)); paths[0, 1], paths[1, 2] = 0.5, 0.4
    >>> predict_constructs(np.array([[1.0, 2.0, 0.0]]), paths, layout, "EA")
    array([[1. , 0.5, 0.2]])
    """
    endo = list(layout.endogenous)
    if route == "DA":
        out = scores.copy()
        out[..., endo] = (scores @ paths)[..., endo]
        return out
    out = scores.copy()
    out[..., endo] = 0.0
    for j in layout.topological:
        if layout.preds[j].size:
            out[..., j] = out @ paths[..., :, j] if paths.ndim == 2 else np.einsum("...nm,...m->...n", out,
                                                                                      paths[..., :, j])
    return out
