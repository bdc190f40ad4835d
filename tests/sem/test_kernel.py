"""The array core: the batched and the single-matrix fixed points, and the stacked SPD solver."""

from __future__ import annotations

import numpy as np
import pytest

import expectmodel as em
from expectmodel.sem import _kernel as k
from expectmodel.sem._moments import correlation_stack
from expectmodel.sem.bootstrap import _counts


def test_spd_solve_matches_lapack_and_isolates_a_singular_system():
    rng = np.random.default_rng(0)
    q, n = 4, 300
    root = rng.normal(size=(n, q, q))
    a = root @ root.transpose(0, 2, 1) + 0.1 * np.eye(q)
    b = rng.normal(size=(n, q))
    a[7] = np.ones((q, q))  # rank one: singular
    x = k.spd_solve(np.moveaxis(a, 0, -1), b.T).T
    good = np.arange(n) != 7
    np.testing.assert_allclose(x[good], np.linalg.solve(a[good], b[good][..., None])[..., 0], rtol=1e-9, atol=1e-11)
    assert not np.isfinite(x[7]).all()


@pytest.mark.parametrize("mode", ["A", "B"])
@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
def test_batched_fixed_point_equals_one_matrix_at_a_time(scheme, mode):
    """A bootstrap stack (lazy set-aside of converged members) and lone fits (the 2-D path) must agree
    member by member, iterations included."""
    ecsi = em.spec.templates.ecsi()
    sim = em.simulate.survey(ecsi, 300, seed=4)
    model = ecsi if mode == "A" else em.Model.from_syntax(ecsi.to_syntax().replace("Image =~", "Image <~"))
    res = em.PLS(model, scheme=scheme).fit(sim.data)
    z = (res.prepared.values - res.mean) / res.sd
    stack, _, _ = correlation_stack(z, _counts(np.random.default_rng(5), 60, len(z)))
    layout = k.Layout.from_model(model, scheme)
    batched = k.fit_outer(stack, layout)
    assert np.ptp(batched.iterations) > 0  # members really do stop at different iterations
    for b in range(stack.shape[0]):
        one = k.fit_outer(stack[b:b + 1], layout)
        assert one.iterations[0] == batched.iterations[b]
        np.testing.assert_allclose(one.weights[0], batched.weights[b], atol=1e-12)
        np.testing.assert_allclose(one.corr[0], batched.corr[b], atol=1e-12)
        np.testing.assert_allclose(one.cross[0], batched.cross[b], atol=1e-12)


@pytest.mark.parametrize("syntax", [
    None,  # ECSI: seven constructs, paths declared out of topological order
    """A =~ a1 + a2
       B =~ b1 + b2
       C =~ c1 + c2
       D =~ d1 + d2
       D ~ C + A
       C ~ B
       B ~ A""",
])
@pytest.mark.parametrize("size", [1, 50])  # one LAPACK solve / forward substitution
def test_total_effects_equal_the_inverse_of_i_minus_b(syntax, size):
    model = em.spec.templates.ecsi() if syntax is None else em.Model.from_syntax(syntax)
    layout = k.Layout.from_model(model)
    paths = np.random.default_rng(8).normal(size=(size, layout.m, layout.m)) * layout.adjacency
    eye = np.eye(layout.m)
    np.testing.assert_allclose(k.total_effects(paths, layout), np.linalg.inv(eye - paths) - eye, atol=1e-12)


def test_htmt_pairs_follow_the_definition():
    """Henseler et al.'s HTMT written out pair by pair (mean absolute heterotrait correlation over the
    geometric mean of the average monotrait ones; a single item's monotrait term is 1), on a
    bootstrap stack of a model with mode B and a single-item construct."""
    model = em.Model.from_syntax("""
        A =~ a1 + a2 + a3
        B <~ b1 + b2
        C =~ c1
        D =~ d1 + d2 + d3 + d4
        B ~ A
        D ~ B + C""")
    layout = k.Layout.from_model(model)
    z = em.simulate.survey(model, 200, seed=6).data[list(model.indicators)].to_numpy(float)
    z = (z - z.mean(axis=0)) / z.std(axis=0, ddof=1)
    stack, _, _, packed = correlation_stack(z, _counts(np.random.default_rng(1), 40, len(z)), packed=True)
    got = em.sem.quality.htmt_pairs(packed, layout)
    pairs = list(zip(*np.triu_indices(layout.m, 1), strict=True))
    assert got.shape == (40, len(pairs))
    for b in (0, 17, 39):
        r = np.abs(stack[b])
        mono = [1.0 if len(i) == 1 else r[np.ix_(i, i)][np.triu_indices(len(i), 1)].mean() for i in layout.blocks]
        for col, (x, y) in enumerate(pairs):
            hetero = r[np.ix_(layout.blocks[x], layout.blocks[y])].mean()
            assert got[b, col] == pytest.approx(hetero / np.sqrt(mono[x] * mono[y]), rel=1e-12)
    single = em.sem.quality.htmt(stack[5], layout)
    assert np.isnan(np.diag(single)).all()
    np.testing.assert_allclose(single, single.T)
    np.testing.assert_allclose(single[np.triu_indices(layout.m, 1)], got[5], rtol=1e-13)
