"""Fits and checks the erf approximation of backends/kernel_ir.ts (ERF_APPROXIMATION): WGSL has no erf, so every
backend evaluates one formula with float32 coefficients.

- |x| < split: erf(x) = x + x * P(x^2), P fitted to erf(x)/x - 1 relative to erf(x)/x;
- otherwise: erf(x) = sign(x) * (1 - exp(Q(min(|x|, 4)))), Q fitted to log(erfc(t)), weighted so the error is
  erf's absolute error.

Both are minimax fits by Lawson's iteratively reweighted least squares on Chebyshev nodes. The script prints the
coefficients and the largest error in ulp over every 37th float32 in [1e-6, 5] and its negatives, evaluated in
float32 arithmetic (as WGSL does) and in float64 rounded once (as the CPU does), against Python's math.erf.

Run: /usr/bin/python3 tools/erf_approximation.py
"""
import math

import numpy as np

SPLIT = 0.921875
SMALL_DEGREE = 6
LARGE_DEGREE = 7

erf = np.vectorize(math.erf)
erfc = np.vectorize(math.erfc)


def chebyshev_nodes(lo, hi, n=4000):
    return np.cos(np.linspace(0, np.pi, n)) * (hi - lo) / 2 + (hi + lo) / 2


def lawson(x, y, degree, scale, iterations=60):
    """Coefficients (constant first) of the polynomial minimising max |p(x) - y| / scale."""
    basis = np.stack([x ** k for k in range(degree + 1)], 1)
    weights = np.ones_like(x)
    for _ in range(iterations):
        w = np.sqrt(weights) / scale
        c, *_ = np.linalg.lstsq(basis * w[:, None], y * w, rcond=None)
        error = np.abs(basis @ c - y) / scale
        weights = weights * error
        weights /= weights.sum()
    return c


def fit():
    x = chebyshev_nodes(0, SPLIT)
    x = x[x > 1e-4]
    small = lawson(x * x, erf(x) / x - 1, SMALL_DEGREE, erf(x) / x)
    t = chebyshev_nodes(SPLIT, 4)
    large = lawson(t, np.log(erfc(t)), LARGE_DEGREE, 1 / erfc(t))
    return [float(np.float32(c)) for c in small], [float(np.float32(c)) for c in large]


def evaluate(x, small, large, dtype):
    x = x.astype(dtype)
    s = x * x
    r = np.full_like(x, small[-1])
    for c in reversed(small[:-1]):
        r = r * s + dtype(c)
    near = r * x + x
    t = np.minimum(np.abs(x), dtype(4))
    q = np.full_like(x, large[-1])
    for c in reversed(large[:-1]):
        q = q * t + dtype(c)
    far = (1 - np.exp(q)).astype(dtype)
    return np.where(np.abs(x) < SPLIT, near, np.where(x < 0, -far, far)).astype(np.float32)


def main():
    small, large = fit()
    print("small:", small)
    print("large:", large)
    bits = np.arange(np.float32(1e-6).view(np.uint32), np.float32(5).view(np.uint32), 37, dtype=np.uint32)
    x = np.concatenate([bits.view(np.float32), -bits.view(np.float32)])
    exact = erf(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    for name, dtype in [("float32", np.float32), ("float64 rounded once", np.float64)]:
        error = np.abs(evaluate(x, small, large, dtype).astype(np.float64) - exact) / ulp
        print(f"{name}: max {error.max():.3f} ulp at {x[np.argmax(error)]}, mean {error.mean():.3f} ulp")


if __name__ == "__main__":
    main()
