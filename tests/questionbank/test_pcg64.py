"""`ScalarGenerator` gives the numbers of ``numpy.random.default_rng(seed)``, draw for draw."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionbank.pcg64 import ScalarGenerator

#: spans around the generator's special cases: empty, one value, the 32-bit buffered draws,
#: exactly 2**32 - 1 (a plain 32-bit draw), 64-bit Lemire draws, and the full 64 bits
SPANS = [0, 1, 2, 5, 99, 1000, 2**31, 2**32 - 2, 2**32 - 1, 2**32, 2**40, 2**63 - 1]


@pytest.mark.parametrize("trial", range(20))
def test_mixed_draws_match_numpy(trial: int) -> None:
    """Interleaved ``integers`` (every kind of span, with and without the end point) and
    ``random()`` calls give numpy's numbers: the 32-bit half buffer and the 64-bit draws share
    one stream."""
    rnd = random.Random(trial)
    for seed in [rnd.randrange(2**63) for _ in range(20)] + [trial, 2**63 - 1]:
        ours, theirs = ScalarGenerator(seed), np.random.default_rng(seed)
        for _ in range(30):
            if rnd.random() < 0.25:
                assert ours.random() == theirs.random()
                continue
            span = rnd.choice(SPANS)
            low = rnd.randrange(-2**62, 2**62 - span) if span > 2**40 else rnd.randrange(-9, 9)
            endpoint = rnd.random() < 0.5
            high = low + span + (0 if endpoint else 1)
            assert ours.integers(low, high, endpoint=endpoint) == \
                theirs.integers(low, high, endpoint=endpoint), (seed, low, high, endpoint)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), low=st.integers(-1000, 1000), span=st.integers(0, 10**6))
def test_one_integer_matches_numpy(seed: int, low: int, span: int) -> None:
    """The first draw of a template's int param, for any seed and range."""
    assert ScalarGenerator(seed).integers(low, low + span, endpoint=True) == \
        np.random.default_rng(seed).integers(low, low + span, endpoint=True)


def test_an_empty_range_is_refused() -> None:
    with pytest.raises(ValueError, match="no int64 from 3 to 3"):
        ScalarGenerator(1).integers(3, 3)


def test_show_of_a_scalar_template_does_not_import_numpy() -> None:
    """`mlquiz show` samples an all-scalar template's params without numpy (120 ms of CPU)."""
    script = ("import sys; from questionbank import generate; "
              "generate('metrics/confusion-matrix', 3).to_dict(); "
              "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
