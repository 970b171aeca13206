"""Numbers shown to people (keys, feedback, solutions) carry at most six significant figures;
short exact fractions keep their form; grading keeps using the exact values (issue 12)."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from grader.cli import cli
from questionbank.api import generate
from questionbank.values import readable_answer, readable_number, significant_figures


@pytest.mark.parametrize(("value", "shown"), [
    (3, "3"),
    (123456789, "123456789"),  # a whole number is an exact count: never rounded
    (Fraction(8, 13), "8/13"),  # short: kept exact
    (Fraction(9, 10), "0.9"),
    (Fraction(1234567, 10_000_000), "0.1234567"),  # exact: an equation in a solution stays true
    (Fraction(123457, 999983), "0.123459"),  # a long fraction reads better as a decimal
    (0.664732082602, "0.664732"),
    (-1.79999999917, "-1.8"),
    (1.23456789e-8, "1.23457e-8"),
    (2.5, "2.5"),
])
def test_readable_number(value: object, shown: str) -> None:
    assert readable_number(value) == shown


def test_styles_are_kept() -> None:
    assert readable_number(Fraction(123457, 999983), "fraction") == "123457/999983"
    assert readable_number(Fraction(8, 13), "decimal") == "0.615385"


@pytest.mark.parametrize(("ptype", "text", "shown"), [
    ("number", "8/13", "8/13 ≈ 0.615385"),
    ("number", "0.0265913980695", "0.0265914"),
    ("number", "0.0009765625", "0.000976563"),  # rounded half up, as people do
    ("number", "123456789", "123456789"),
    ("vector", "[0, 10/7, 18/7, 85/7, 0, 3]",
     "[0, 1.42857, 2.57143, 12.1429, 0, 3] (exactly [0, 10/7, 18/7, 85/7, 0, 3])"),
    ("vector", "[0.0265913980695, 0.558419359459, -1.01047312664]",
     "[0.0265914, 0.558419, -1.01047]"),
    ("matrix", "[[1, 2.5], [1/3, 4]]", "[[1, 2.5], [0.333333, 4]] (exactly [[1, 2.5], [1/3, 4]])"),
    ("choice", "B", "B"),
    ("shape", "3x4", "3x4"),
    ("expression", "2*X", "2*X"),
])
def test_readable_answer(ptype: str, text: str, shown: str) -> None:
    assert readable_answer(ptype, text) == shown


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(
    lambda x: abs(x) > 1e-12 and not x.is_integer()))
def test_a_shown_float_is_within_half_a_unit_in_the_sixth_figure(x: float) -> None:
    """Rounding to six figures moves a number by at most 5e-6 of its size."""
    shown = readable_number(x)
    assert significant_figures(shown) <= 6
    assert math.isclose(float(shown), x, rel_tol=5e-6)


def _long_numbers(text: str) -> list[str]:
    return [t for t in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text) if significant_figures(t) > 6]


@pytest.mark.parametrize("template_id", ["gradients/clip-norm", "optimizers/adam",
                                         "metrics/confusion-matrix", "dropout/inverted"])
def test_shown_keys_have_no_float_noise(template_id: str) -> None:
    """The issue's examples: `[0.0265913980695, ...]`, Adam's `-1.79999999917`."""
    for seed in range(1, 30):
        result = CliRunner().invoke(cli, ["show", template_id, "--seed", str(seed),
                                          "--solution"])
        assert result.exit_code == 0, result.output
        keys = [ln for ln in result.output.splitlines() if ln.strip().startswith("Answer:")]
        assert keys
        assert _long_numbers("\n".join(keys)) == [], (seed, keys)


def test_feedback_names_the_mean_with_six_figures() -> None:
    """'the arithmetic mean of precision and recall, 0.664732082602' is now 0.664732-like."""
    for seed in range(1, 40):
        part = generate("metrics/confusion-matrix", seed).part("f1")
        for mistake in part.mistakes:
            assert _long_numbers(mistake.feedback) == [], (seed, mistake.feedback)


def test_the_json_answer_text_stays_exact() -> None:
    """Machines (and the contract checker) still get the exact form."""
    result = CliRunner().invoke(cli, ["show", "gradients/clip-norm", "--seed", "1", "--format",
                                      "json"])
    assert "0.0265913980695" in result.output
