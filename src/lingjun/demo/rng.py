"""Counter-based random numbers and Arrow column builders for the synthetic district.

Every random number of :mod:`lingjun.demo` is a pure function of ``(seed, stream name,
key)``, where the key is the enterprise's index (or the index combined with a year or row
number). Nothing depends on how many enterprises are generated, so the first *k* enterprises are
the same for any ``n ≥ k``, and whole arrays are drawn at once with numpy (no Python loop per
enterprise). The generator is SplitMix64's output function applied to ``key × φ + stream``;
it is for synthetic data, not for anything that needs cryptographic or statistical guarantees
beyond "looks random".
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from lingjun.dossier.tables import DECIMAL

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Bools = npt.NDArray[np.bool_]
#: named numpy columns of list rows
Columns = dict[str, npt.NDArray[Any]]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53


def _mix_int(x: int) -> int:
    """SplitMix64 finaliser on a Python int (for seeds and stream ids)."""
    x &= _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _mix(x: U64) -> U64:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic, in place on a copy)."""
    x = x ^ (x >> np.uint64(30))
    x *= _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return x


class Rng:
    """Random arrays keyed by ``(seed, stream, key)``; see the module docstring."""

    def __init__(self, seed: int) -> None:
        self._seed = _mix_int(_mix_int(seed) ^ 0x6C696E676A756E)  # "lingjun"

    def _stream(self, name: str) -> np.uint64:
        return np.uint64(_mix_int(self._seed ^ _mix_int(zlib.crc32(name.encode()) + _GOLDEN)))

    def scalar(self, name: str) -> int:
        """One 64-bit random integer for ``name`` (for per-run constants such as permutations)."""
        return _mix_int(int(self._stream(name)))

    def bits(self, name: str, keys: U64) -> U64:
        x = keys * np.uint64(_GOLDEN)
        x += self._stream(name)
        return _mix(x)

    def uniform(self, name: str, keys: U64, low: float | F64 = 0.0, high: float | F64 = 1.0) -> F64:
        """Uniform on ``[low, high)``."""
        u = (self.bits(name, keys) >> np.uint64(11)).astype(np.float64) * _TO_UNIT
        return low + (high - low) * u

    def normal(self, name: str, keys: U64) -> F64:
        """Standard normal (Box–Muller on the two 32-bit halves of one draw; tails cut at 6.7σ)."""
        bits = self.bits(name, keys)
        u1 = (bits >> np.uint64(32)).astype(np.float64) * 2.0**-32
        u2 = (bits & np.uint64(0xFFFFFFFF)).astype(np.float64) * 2.0**-32
        out: F64 = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * math.pi * u2)
        return out

    def jitter(self, name: str, keys: U64) -> F64:
        """Cheap unit-variance noise (triangular on ±√6): for small multiplicative jitter."""
        bits = self.bits(name, keys)
        total = (bits >> np.uint64(32)).astype(np.float64) + (bits & np.uint64(0xFFFFFFFF)).astype(np.float64)
        out: F64 = (total * 2.0**-32 - 1.0) * math.sqrt(6.0)
        return out

    def lognormal(self, name: str, keys: U64, median: float | F64, sigma: float | F64) -> F64:
        out: F64 = median * np.exp(sigma * self.normal(name, keys))
        return out

    def chance(self, name: str, keys: U64, p: float | F64) -> Bools:
        out: Bools = self.uniform(name, keys) < p
        return out

    def integers(self, name: str, keys: U64, low: int | I64, high: int | I64) -> I64:
        """Integers on ``[low, high]`` (both inclusive; ``high < low`` gives ``low``)."""
        span = np.maximum(np.asarray(high) - np.asarray(low) + 1, 1)
        out: I64 = (np.asarray(low) + np.floor(self.uniform(name, keys) * span)).astype(np.int64)
        return out

    def choice(self, name: str, keys: U64, weights: Sequence[float]) -> I64:
        """Index into ``weights`` (relative weights)."""
        cum = np.cumsum(np.asarray(weights, dtype=np.float64))
        cum /= cum[-1]
        idx = np.searchsorted(cum, self.uniform(name, keys), side="right")
        out: I64 = np.minimum(idx, len(cum) - 1).astype(np.int64)
        return out

    def choice_by(self, name: str, keys: U64, groups: I64, table: npt.ArrayLike) -> I64:
        """Index into a row of ``table`` (relative weights), the row chosen by ``groups``."""
        w = np.asarray(table, dtype=np.float64)
        cum = np.cumsum(w, axis=1)
        cum /= cum[:, -1:]
        u = self.uniform(name, keys)
        out = np.zeros(len(keys), dtype=np.int64)
        for col in range(w.shape[1] - 1):  # a loop over categories, not over enterprises
            out += u >= cum[groups, col]
        return out

    def count(self, name: str, keys: U64, mean: float | F64, *, cap: int = 400) -> I64:
        """Over-dispersed counts with the given mean (rounded log-normal: many zeros, a long tail)."""
        sigma = 0.6
        x = np.asarray(mean) * np.exp(sigma * self.normal(name, keys) - sigma * sigma / 2)
        out: I64 = np.minimum(np.floor(x + self.uniform(name + "/f", keys)), cap).astype(np.int64)
        return out


# ------------------------------------------------------------------------- row expansion helpers


def expand(counts: I64) -> tuple[I64, I64]:
    """Rows for ``counts[i]`` rows of item *i*: ``(item index, ordinal within the item)``."""
    counts = np.asarray(counts, dtype=np.int64)
    item = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    ordinal = np.arange(len(item), dtype=np.int64) - starts[item]
    return item, ordinal


def row_keys(firm_keys: U64, firm: I64, ordinal: I64, *, salt: int = 0) -> U64:
    """Keys of list rows: the enterprise's key, the row's ordinal (< 4096) and a salt."""
    out: U64 = (
        (firm_keys[firm] << np.uint64(16)) | (ordinal.astype(np.uint64) << np.uint64(4)) | np.uint64(salt)
    )
    return out


class Rows:
    """Rows of several blocks, put in enterprise order (then block, then ordinal)."""

    def __init__(self) -> None:
        self._parts: list[Columns] = []

    def add(self, firm: I64, block: int, ordinal: I64 | int = 0, **columns: npt.ArrayLike) -> None:
        part: Columns = {"firm": firm, "sort": block * 4096 + np.broadcast_to(ordinal, firm.shape)}
        part.update({k: np.broadcast_to(np.asarray(v), firm.shape) for k, v in columns.items()})
        self._parts.append(part)

    def build(self) -> Columns:
        cols = {k: np.concatenate([p[k] for p in self._parts]) for k in self._parts[0]}
        order = np.lexsort((cols["sort"], cols["firm"]))
        return {k: v[order] for k, v in cols.items()}


def between(rng: Rng, name: str, keys: U64, low: I64, high: I64, *, skew: float = 1.0) -> I64:
    """Days on ``[low, high]`` (``skew`` < 1 favours recent dates)."""
    span = np.maximum(high - low + 1, 1)
    out: I64 = low + np.floor(span * rng.uniform(name, keys) ** skew).astype(np.int64)
    return np.minimum(out, high)


# ------------------------------------------------------------------------------- date helpers

_EPOCH_YEAR = 1970


def ymd(year: npt.ArrayLike, month: npt.ArrayLike, day: npt.ArrayLike) -> I64:
    """Days since 1970-01-01 of the given dates (``day`` ≤ 28, or the month's length)."""
    y = np.asarray(year, dtype=np.int64) - _EPOCH_YEAR
    months = np.asarray(y * 12 + np.asarray(month, dtype=np.int64) - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]").astype(np.int64) + np.asarray(day, dtype=np.int64) - 1
    out: I64 = np.asarray(days, dtype=np.int64)
    return out


def jan1(year: npt.ArrayLike) -> I64:
    return ymd(year, 1, 1)


def year_of(days: npt.ArrayLike) -> I64:
    out: I64 = (
        np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
        + _EPOCH_YEAR
    )
    return out


# ----------------------------------------------------------------------------- Arrow builders


def _validity(valid: Bools | None, n: int) -> tuple[pa.Buffer | None, int]:
    if valid is None or bool(valid.all()):
        return None, 0
    return pa.py_buffer(np.packbits(valid, bitorder="little")), int(n - np.count_nonzero(valid))


def decimal_array(values: npt.ArrayLike, *, valid: Bools | None = None, places: int = 2) -> pa.Array:
    """``decimal128(18, 4)`` from floats rounded to ``places`` decimals (exact from then on).

    The unscaled 128-bit integers are written straight into the Arrow buffer: the low word is the
    int64, the high word its sign extension.
    """
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    unscaled = np.round(np.where(np.isfinite(values), values, 0.0) * 10.0**places).astype(np.int64)
    unscaled *= 10 ** (4 - places)
    words = np.empty((n, 2), dtype=np.int64)
    words[:, 0] = unscaled
    words[:, 1] = unscaled >> 63
    validity, nulls = _validity(valid, n)
    return pa.Array.from_buffers(DECIMAL, n, [validity, pa.py_buffer(words)], null_count=nulls)


def date_array(days: npt.ArrayLike, *, valid: Bools | None = None) -> pa.Array:
    data_days = np.ascontiguousarray(days, dtype=np.int32)
    n = len(data_days)
    validity, nulls = _validity(valid, n)
    data = pa.py_buffer(data_days)
    return pa.Array.from_buffers(pa.date32(), n, [validity, data], null_count=nulls)


def int_array(values: npt.ArrayLike, *, valid: Bools | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(np.asarray(values, dtype=np.int32), type=pa.int32(), mask=mask)


def bool_array(values: npt.ArrayLike, *, valid: Bools | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(np.asarray(values, dtype=np.bool_), type=pa.bool_(), mask=mask)


def pick(words: Sequence[str | None], index: npt.ArrayLike, *, valid: Bools | None = None) -> pa.Array:
    """Strings ``words[index]`` (null where ``valid`` is false or the word is ``None``)."""
    mask = None if valid is None else ~valid
    return pc.take(pa.array(list(words), type=pa.string()), pa.array(index, type=pa.int64(), mask=mask))


def const(text: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(text, type=pa.string()), n)


def text_of(values: npt.ArrayLike, *, width: int = 0) -> pa.Array:
    """Decimal text of integers, left-padded with zeros to ``width``."""
    out = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(out, width=width, padding="0") if width else out


def join(*parts: Any) -> pa.Array:
    """Element-wise concatenation of string arrays and Python strings."""
    return pc.binary_join_element_wise(*parts, "")


def null_strings(n: int) -> pa.Array:
    return pa.nulls(n, type=pa.string())
