"""Translate an expectmodel spec for the independent implementations used as test oracles.

seminr-py (PyPI ``seminr``; a line-by-line port of R seminr) is the reference for the
path and factorial schemes, PLSc, reliability and the bootstrap; it has no centroid
scheme, so that one is checked against openpls-engine (which scales weights by the
population SD: its weights are ours times sqrt((n-1)/n); METHODS §1b).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import expectmodel as em


def seminr_fit(model: em.Model, data: pd.DataFrame, scheme: str = "path", reflective_as_common_factor=False):
    import seminr

    specs = []
    for c in model.constructs:
        if c.kind == "reflective" and reflective_as_common_factor:
            specs.append(seminr.reflective(c.name, list(c.indicators)))
        else:
            mode = seminr.mode_A if c.mode == "A" else seminr.mode_B
            specs.append(seminr.composite(c.name, list(c.indicators), weights=mode))
    mm = seminr.constructs(*specs)
    sm = seminr.relationships(*[seminr.paths(from_=p.source, to=p.target) for p in model.paths])
    inner = {"path": seminr.path_weighting, "factorial": seminr.path_factorial}[scheme]
    return seminr.estimate_pls(data, mm, sm, inner_weights=inner)


def seminr_matrix(named, rows, cols) -> np.ndarray:
    return np.array([[named.get(r, c) for c in cols] for r in rows])


def openpls_fit(model: em.Model, data: pd.DataFrame, scheme: str = "centroid"):
    from openpls.config import MV, Config
    from openpls.mode import Mode
    from openpls.plspm import Plspm
    from openpls.scheme import Scheme

    names = list(model.names)
    path = pd.DataFrame(0, index=names, columns=names)
    for p in model.paths:
        path.loc[p.target, p.source] = 1
    config = Config(path, scaled=True)
    for c in model.constructs:
        config.add_lv(c.name, Mode.A if c.mode == "A" else Mode.B, *[MV(i) for i in c.indicators])
    return Plspm(data[list(model.indicators)], config, getattr(Scheme, scheme.upper()),
                 iterations=1000, tolerance=1e-12)
