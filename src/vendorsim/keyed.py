"""Counter-based random numbers: every draw is a pure function of its key.

A key is a tuple of integers, for instance (seed, client, purpose, month, project). Its draw is
SplitMix64's finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators") applied to the key's parts one after another, so

- a draw for one entity never moves another entity's draws: there is no shared stream whose
  position depends on how many numbers someone else took;
- a whole market, or many markets, draw in one numpy call: the keys are arrays.

Distributions are built from uniforms by inversion or by counting, so each stays a function of
its key: normal (Box-Muller, two uniforms), Pareto and Gumbel (inverse CDF), categorical
(inverse CDF), binomial (one uniform per trial).
"""

from __future__ import annotations

import zlib

import numpy as np

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(GOLDEN)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
# 2**-53: the 53 high bits of a hash as a double in [0, 1).
_UNIT = 1.0 / (1 << 53)


def mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, element-wise on uint64 (wrapping arithmetic is intended),
    overwriting ``x`` and returning it: each step in place spares a temporary the size of
    the keys (the draws of a large model are mostly memory traffic).
    """
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


def mix_int(x: int) -> int:
    """:func:`mix` for one Python integer (no numpy overhead for scalar keys)."""
    x &= MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def chain(*parts: int) -> int:
    """The hash of a scalar key: each part added to the running hash, then mixed."""
    h = 0
    for p in parts:
        h = mix_int(h + GOLDEN + (p & MASK))
    return h


def purpose(name: str) -> int:
    """A stable integer for a draw's purpose, from its name (CRC-32, the same everywhere)."""
    return zlib.crc32(name.encode())


def extend(base: np.ndarray, part: int | np.ndarray) -> np.ndarray:
    """Add ``part`` to every hash in ``base`` and mix: the key with one more part."""
    with np.errstate(over="ignore"):
        return mix(base + _GOLDEN + np.asarray(part, dtype=np.uint64))


def unit(h: np.ndarray) -> np.ndarray:
    """Uniform doubles in [0, 1) from hashes."""
    out = (h >> _S11).astype(np.float64)
    out *= _UNIT
    return out


def uniform(base: np.ndarray, scalar: int, shape: tuple[int, ...] = ()) -> np.ndarray:
    """Uniforms keyed by each ``base`` hash, the scalar key part, and each index of ``shape``.

    Returns an array of ``base.shape + shape``.
    """
    h = extend(base, scalar)
    for size in shape:
        h = extend(h[..., None], np.arange(size, dtype=np.uint64))
    return unit(h)


def uniform_at(base: np.ndarray, scalar: int, index: np.ndarray) -> np.ndarray:
    """``uniform(base, scalar, (n,))[i, index[i]]`` for each i: one element of each row,
    drawn alone (``base`` and ``index`` aligned).
    """
    return unit(extend(extend(base, scalar), index))


def uniform_rows(base: np.ndarray, scalar: int, rows: int) -> np.ndarray:
    """``uniform(base, scalar, (rows,))`` laid out rows first: shape ``(rows, *base.shape)``,
    the same values, each row contiguous (the layout the roles read a row at a time in).
    """
    h = extend(base, scalar)
    index = np.arange(rows, dtype=np.uint64).reshape((rows,) + (1,) * h.ndim)
    return unit(extend(h[None], index))


def normal(u: np.ndarray, sd: float) -> np.ndarray:
    """Normal(0, sd) from uniforms whose first axis has two rows (Box-Muller)."""
    radius = np.sqrt(-2.0 * np.log1p(-u[0]))
    return sd * radius * np.cos(2.0 * np.pi * u[1])


def pareto(u: np.ndarray, a: float) -> np.ndarray:
    """Lomax (numpy's ``pareto``) with shape ``a``, by inversion."""
    return (1.0 - u) ** (-1.0 / a) - 1.0


def gumbel(u: np.ndarray, scale: float) -> np.ndarray:
    """Gumbel(0, scale) by inversion (``u`` = 0 maps to the finite lowest value)."""
    return -scale * np.log(-np.log(np.maximum(u, _UNIT)))


def categorical(u: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Category indices with probabilities ``p``, by inversion."""
    cdf = np.cumsum(p / p.sum())
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(p) - 1)


def binomial(u: np.ndarray, trials: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Binomial counts: trial k of entity i succeeds when ``u[k, i] < p[i]`` and
    k < trials[i].

    ``u`` has one row per possible trial (at least ``trials.max()``), rows first as
    :func:`uniform_rows` draws them, so the count adds whole rows.
    """
    k = np.arange(u.shape[0]).reshape((-1,) + (1,) * (u.ndim - 1))
    success = (u < np.asarray(p)) & (k < np.asarray(trials))
    return success.sum(axis=0)
