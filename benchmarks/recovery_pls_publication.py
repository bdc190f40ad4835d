"""Recovery of the PLS-for-publication features on simulated data with a known truth (issue 12).

    python benchmarks/recovery_pls_publication.py [--reps 400] [--boot 1000] [--perm 1000] [--seed 1]

* interaction: Y = 0.30 X + 0.20 M + 0.15 XM + e, single-item constructs (X, M standard normal, r = 0.3), n = 300;
  the coverage of the bootstrap's 90% percentile interval of the two-stage interaction path (its truth in the
  standardised model: 0.15 sqrt(1 + r^2) / sd(Y));
* indirect effect: X -> M -> Y (a = 0.4, b = 0.3, direct 0.2), single items, n = 300; the coverage of the 90%
  percentile interval of the specific indirect effect a b;
* MICOM: two groups of 300 from one model (Q -> S, three indicators each, loadings 0.8) give the size of the
  compositional-invariance test (rejection when c < the 5% permutation quantile); a group whose first Q indicator
  loads 0.3 instead of 0.8 gives its power.

Single items make the PLS estimates consistent for the standardised truth, so the coverage checks the bootstrap
and the two-stage / product machinery rather than PLS's attenuation of common factors. The studies live in
tests/sem/publication_studies.py; tests/sem/test_publication_slow.py runs them with fewer replications.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.sem.publication_studies import indirect_coverage, interaction_coverage, micom_rejection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--perm", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    se = np.sqrt(0.9 * 0.1 / args.reps)
    print(f"{args.reps} replications; Monte Carlo SE of a 90% coverage: {se:.3f}")
    print(f"interaction path, 90% interval coverage: {interaction_coverage(args.reps, args.boot, args.seed):.3f}")
    print(f"indirect effect, 90% interval coverage: {indirect_coverage(args.reps, args.boot, args.seed):.3f}")
    print(f"MICOM size (one model): {micom_rejection(args.reps, args.perm, args.seed, 0.8):.3f}")
    print(f"MICOM power (q1 loads 0.3 instead of 0.8): {micom_rejection(args.reps, args.perm, args.seed, 0.3):.3f}")


if __name__ == "__main__":
    main()
