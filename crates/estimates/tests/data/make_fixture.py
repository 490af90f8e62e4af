"""Writes fixture.json: small inputs and the estimator values numpy computes for them.

The values are computed here independently of the Rust crate, with dense
matrices where the crate works in a spectral basis:

* LogME as LogME.fit of github.com/thuml/LogME (the fixed-point path): the
  SVD of FᵀF for n > d, the SVD of F otherwise, then at most 11 fixed-point
  updates of alpha and beta. For n > d the reference removes the singular
  values of F at most 1e-10; here, as in the crate, those whose square is at
  most max(n, d) * eps times the largest count as zero (the two agree except
  on rank-deficient features, where the absolute cut-off keeps rounding
  noise). The exact variant takes the log determinant of alpha I + beta FᵀF
  from all d eigenvalues of the dense FᵀF instead of the min(n, d) squared
  singular values of F.
* H-score as in the authors' code (pinv of cov(f) with a cut-off of 1e-10
  relative to the largest eigenvalue).
* The shrinkage H-score as regularized_h_score of the Transfer-Learning-Library,
  with scikit-learn's Ledoit-Wolf shrinkage written out in numpy.
* LEEP and NCE from their definitions, with explicit joint tables.
* Spearman with scipy.stats.spearmanr.

Run with numpy and scipy installed:  python3 make_fixture.py
"""

import json
import pathlib

import numpy as np
from scipy.stats import spearmanr

SEED = 20140101


# ---------------------------------------------------------------- LogME


def logme(f, y, exact=False):
    n, d = f.shape
    if n > d:
        # The eigenvectors of FᵀF by SVD, as the reference does; components
        # below the rank cut-off count as zero singular values.
        _, s2, vh = np.linalg.svd(f.T @ f)
        keep = s2 > s2.max() * max(n, d) * np.finfo(np.float64).eps
        sigma = np.where(keep, s2, 0.0)
        u = np.zeros((n, d))
        u[:, keep] = (f @ vh[keep].T) / np.sqrt(s2[keep])
    else:
        u, s, _ = np.linalg.svd(f, full_matrices=False)
        sigma = s**2
    all_eigenvalues = np.maximum(np.linalg.eigvalsh(f.T @ f), 0.0)
    evidences = []
    for k in range(int(y.max()) + 1):
        target = (y == k).astype(np.float64)
        z = u.T @ target
        z2 = z**2
        outside = target @ target - z2.sum()
        alpha, beta = 1.0, 1.0
        for _ in range(11):
            t = alpha / beta
            gamma = np.sum(sigma / (sigma + t))
            m2 = np.sum(sigma * z2 / (t + sigma) ** 2)
            res2 = np.sum(z2 / (1 + sigma / t) ** 2) + outside
            alpha = gamma / (m2 + 1e-5)
            beta = (n - gamma) / (res2 + 1e-5)
            if abs(alpha / beta - t) / t <= 1e-3:
                break
        # The reference sums over the min(n, d) singular values of F; the
        # exact log determinant of alpha I + beta FᵀF over its d eigenvalues.
        spectrum = all_eigenvalues if exact else sigma
        evidence = (
            d / 2 * np.log(alpha)
            + n / 2 * np.log(beta)
            - 0.5 * np.sum(np.log(alpha + beta * spectrum))
            - beta / 2 * res2
            - alpha / 2 * m2
            - n / 2 * np.log(2 * np.pi)
        )
        evidences.append(evidence / n)
    return float(np.mean(evidences))


# ---------------------------------------------------------------- H-scores


def class_mean_rows(f, y):
    g = np.zeros_like(f)
    for k in range(int(y.max()) + 1):
        g[y == k] = f[y == k].mean(axis=0)
    return g


def h_score(f, y):
    cov_f = np.cov(f, rowvar=False)
    cov_g = np.cov(class_mean_rows(f, y), rowvar=False)
    return float(np.trace(np.linalg.pinv(cov_f, rtol=1e-10) @ cov_g))


def ledoit_wolf(x):
    """Shrunk covariance and shrinkage of centred x, as scikit-learn's ledoit_wolf."""
    n, d = x.shape
    emp_cov = x.T @ x / n
    mu = np.trace(emp_cov) / d
    x2 = x**2
    beta_ = np.sum(x2.T @ x2)
    delta_ = np.sum((x.T @ x) ** 2) / n**2
    beta = (beta_ / n - delta_) / (d * n)
    delta = (delta_ - 2 * mu * np.trace(emp_cov) + d * mu**2) / d
    beta = min(beta, delta)
    shrinkage = 0.0 if beta == 0 else beta / delta
    return (1 - shrinkage) * emp_cov + shrinkage * mu * np.eye(d), shrinkage


def shrinkage_h_score(f, y):
    f = f - f.mean(axis=0, keepdims=True)
    cov_f, shrinkage = ledoit_wolf(f)
    cov_g = np.cov(class_mean_rows(f, y), rowvar=False)
    return float(np.trace(np.linalg.pinv(cov_f, rtol=1e-15) @ ((1 - shrinkage) * cov_g)))


# ---------------------------------------------------------------- LEEP, NCE


def leep(theta, y, classes):
    n, source_classes = theta.shape
    joint = np.zeros((classes, source_classes))
    for i in range(n):
        joint[y[i]] += theta[i] / n
    marginal = joint.sum(axis=0)
    used = marginal > 0
    conditional = joint[:, used] / marginal[used]
    expected = np.array([theta[i, used] @ conditional[y[i]] for i in range(n)])
    return float(np.mean(np.log(expected)))


def nce(z, y):
    n = len(y)
    total = 0.0
    for source in np.unique(z):
        in_source = z == source
        for k in np.unique(y[in_source]):
            joint = np.sum(in_source & (y == k)) / n
            total += joint * np.log(joint / (np.sum(in_source) / n))
    return float(total)


# ---------------------------------------------------------------- inputs


def class_features(rng, counts, d, separation, relu=False, dead=()):
    """Class means `separation` apart in scale, unit noise, the columns `dead`
    zero; rounded to f32."""
    means = separation * rng.standard_normal((len(counts), d))
    labels = np.repeat(np.arange(len(counts)), counts)
    rng.shuffle(labels)
    f = means[labels] + rng.standard_normal((len(labels), d))
    if relu:
        f = np.maximum(f + 1.0, 0.0)
    f[:, list(dead)] = 0.0
    return f.astype(np.float32).astype(np.float64), labels


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    rng = np.random.default_rng(SEED)
    feature_cases = []
    for name, counts, d, separation, relu, dead in [
        ("tall_n60_d8", [20, 20, 20], 8, 1.0, False, ()),
        ("relu_n80_d12_unbalanced", [30, 25, 15, 10], 12, 0.8, True, ()),
        ("relu_n50_d10_dead_units", [20, 15, 15], 10, 0.8, True, (2, 7)),
        ("square_n20_d20", [12, 8], 20, 0.7, False, ()),
        ("wide_n30_d40", [8, 8, 7, 7], 40, 0.5, False, ()),
    ]:
        f, y = class_features(rng, counts, d, separation, relu, dead)
        feature_cases.append(
            {
                "name": name,
                "rows": f.shape[0],
                "columns": d,
                "classes": len(counts),
                "features": f.ravel().tolist(),
                "labels": y.tolist(),
                "logme": logme(f, y),
                "exact_logme": logme(f, y, exact=True),
                "h_score": h_score(f, y),
                "shrinkage_h_score": shrinkage_h_score(f, y),
            }
        )

    leep_cases = []
    for name, n, source_classes, classes, empty_source in [
        ("n60_z5_c3", 60, 5, 3, None),
        ("n40_z7_c4_unused_source", 40, 7, 4, 2),
    ]:
        theta = softmax(2.0 * rng.standard_normal((n, source_classes)))
        if empty_source is not None:
            theta[:, empty_source] = 0.0
            theta /= theta.sum(axis=1, keepdims=True)
        y = np.concatenate([np.arange(classes), rng.integers(0, classes, n - classes)])
        leep_cases.append(
            {
                "name": name,
                "rows": n,
                "source_classes": source_classes,
                "classes": classes,
                "probabilities": theta.ravel().tolist(),
                "labels": y.tolist(),
                "leep": leep(theta, y, classes),
            }
        )

    nce_cases = []
    for name, n, sources, classes in [
        ("dense_sources", 60, np.arange(6), 3),
        ("sparse_sources", 45, np.array([3, 17, 1000, 4]), 5),
    ]:
        z = rng.choice(sources, n)
        y = np.concatenate([np.arange(classes), rng.integers(0, classes, n - classes)])
        nce_cases.append(
            {
                "name": name,
                "source_labels": z.tolist(),
                "labels": y.tolist(),
                "classes": classes,
                "nce": nce(z, y),
            }
        )

    spearman_cases = []
    for name, a, b in [
        ("distinct", rng.standard_normal(9), rng.standard_normal(9)),
        ("ties", np.round(rng.standard_normal(12), 0), np.round(rng.standard_normal(12), 1)),
        ("seven_layers", np.array([0.1, 0.4, 0.35, 0.8, 0.9, 1.2, 1.1]),
         np.array([55.0, 58.5, 60.1, 61.0, 60.2, 57.3, 57.3])),
    ]:
        spearman_cases.append(
            {"name": name, "a": a.tolist(), "b": b.tolist(), "spearman": float(spearmanr(a, b).statistic)}
        )

    fixture = {
        "seed": SEED,
        "features": feature_cases,
        "leep": leep_cases,
        "nce": nce_cases,
        "spearman": spearman_cases,
    }
    path = pathlib.Path(__file__).with_name("fixture.json")
    path.write_text(json.dumps(fixture, indent=1) + "\n")


if __name__ == "__main__":
    main()
