"""numpy's default generator (`numpy.random.default_rng(seed)`: SeedSequence + PCG64) for
scalar draws, in plain Python.

Drawing the params of a template whose params are all scalars (int, decimal, choice, bool)
needs only ``integers`` and ``random`` without a size. Importing numpy for them costs about
120 ms of CPU at the start of `mlquiz show` and `mlquiz check` (measured on this machine,
``python -c "import numpy.random"`` against ``python -c pass``), more than the command's own
work. `ScalarGenerator` gives the very numbers numpy's Generator gives for the same seed and
the same calls (tests/questionbank/test_pcg64.py compares them over many seeds and ranges),
following numpy 2's sources: `SeedSequence.generate_state`, PCG64 (XSL-RR 128/64) with its
32-bit half buffer, Lemire's bounded integers, and 53-bit doubles.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ScalarGenerator"]

_M32 = 0xFFFF_FFFF
_M64 = 0xFFFF_FFFF_FFFF_FFFF
_M128 = (1 << 128) - 1
_PCG_MULTIPLIER = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645

# SeedSequence's hash constants (numpy/random/bit_generator.pyx)
_INIT_A, _MULT_A = 0x43B0_D7E5, 0x931E_8875
_INIT_B, _MULT_B = 0x8B51_F9DD, 0x58F3_8DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01_F9DD, 0x4973_F715
_XSHIFT = 16
_POOL_SIZE = 4


def _seed_words(seed: int) -> list[int]:
    """`SeedSequence(seed).generate_state(4, uint64)` as four 64-bit words."""
    entropy = []
    while True:  # the seed as 32-bit words, least significant first ([0] for 0)
        entropy.append(seed & _M32)
        seed >>= 32
        if not seed:
            break
    hash_const = _INIT_A

    def hashmix(value: int) -> int:
        nonlocal hash_const
        value ^= hash_const
        hash_const = (hash_const * _MULT_A) & _M32
        value = (value * hash_const) & _M32
        return value ^ (value >> _XSHIFT)

    def mix(x: int, y: int) -> int:
        result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _M32
        return result ^ (result >> _XSHIFT)

    pool = [hashmix(entropy[i] if i < len(entropy) else 0) for i in range(_POOL_SIZE)]
    for i_src in range(_POOL_SIZE):
        for i_dst in range(_POOL_SIZE):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hashmix(pool[i_src]))
    for value in entropy[_POOL_SIZE:]:
        for i_dst in range(_POOL_SIZE):
            pool[i_dst] = mix(pool[i_dst], hashmix(value))
    words = []
    hash_const = _INIT_B
    for i in range(8):
        value = pool[i % _POOL_SIZE] ^ hash_const
        hash_const = (hash_const * _MULT_B) & _M32
        value = (value * hash_const) & _M32
        words.append(value ^ (value >> _XSHIFT))
    return [words[i] | (words[i + 1] << 32) for i in range(0, 8, 2)]


class ScalarGenerator:
    """The scalar draws of ``numpy.random.default_rng(seed)``: ``integers(low, high,
    endpoint=...)`` and ``random()``, returning Python numbers."""

    __slots__ = ("_half", "_inc", "_state")

    def __init__(self, seed: int) -> None:
        if not 0 <= seed < 2**64:
            raise ValueError("the seed must be a whole number from 0 to 2**64 - 1")
        words = _seed_words(seed)
        self._inc = (((words[2] << 64) | words[3]) << 1 | 1) & _M128
        self._state = 0
        self._step()
        self._state = (self._state + ((words[0] << 64) | words[1])) & _M128
        self._step()
        #: the upper half of the last 64-bit output, kept for the next 32-bit draw
        self._half: int | None = None

    def _step(self) -> None:
        self._state = (self._state * _PCG_MULTIPLIER + self._inc) & _M128

    def _next64(self) -> int:
        self._step()
        state = self._state
        value = ((state >> 64) ^ state) & _M64
        rot = state >> 122
        return ((value >> rot) | (value << (64 - rot))) & _M64

    def _next32(self) -> int:
        if self._half is not None:
            half, self._half = self._half, None
            return half
        value = self._next64()
        self._half = value >> 32
        return value & _M32

    def random(self) -> float:
        """A float in [0, 1), as ``Generator.random()``."""
        return (self._next64() >> 11) * (1.0 / 9007199254740992.0)

    def integers(self, low: int, high: int, endpoint: bool = False) -> int:
        """A whole number from `low` to `high` (`high` excluded unless `endpoint`), as
        ``Generator.integers(low, high, endpoint=endpoint)`` with the default int64 type."""
        span = high - low - (0 if endpoint else 1)
        if span < 0 or low < -2**63 or low + span >= 2**63:
            raise ValueError(f"no int64 from {low} to {high}")
        if span == 0:
            return low  # (numpy draws nothing either)
        if span == _M32:
            return low + self._next32()
        if span < _M32:
            return low + _bounded(span + 1, self._next32, 32)
        if span == _M64:
            return low + self._next64()
        return low + _bounded(span + 1, self._next64, 64)


def _bounded(span_excl: int, draw: Callable[[], int], bits: int) -> int:
    """Lemire's method: a uniform whole number below `span_excl` from `bits`-bit draws."""
    mask = (1 << bits) - 1
    m = draw() * span_excl
    leftover = m & mask
    if leftover < span_excl:
        threshold = (mask - (span_excl - 1)) % span_excl
        while leftover < threshold:
            m = draw() * span_excl
            leftover = m & mask
    return m >> bits
