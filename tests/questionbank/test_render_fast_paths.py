"""The shortcuts of rendering a text's values give what the general paths give: a display
context's one-step `get` (`render._values`), plain values displayed as they are, a Fraction
subclass formatted as its Fraction."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from questionbank.contexts import DisplayContext, Overlay
from questionbank.render import ExactNumber, display_value
from questionbank.values import format_number

_NAMES = st.sampled_from(["a", "b", "c", "d", "table", "range"])
_VALUES = st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=5),
                    st.booleans(), st.fractions(), st.none(),
                    st.lists(st.one_of(st.integers(), st.fractions()), max_size=3))


@settings(deadline=None)  # the first example imports and warms caches
@given(st.dictionaries(_NAMES, _VALUES), st.dictionaries(_NAMES, _VALUES), _NAMES)
def test_display_context_get_is_in_then_getitem(raw: dict[str, Any], ready: dict[str, Any],
                                                name: str) -> None:
    general = DisplayContext(dict(raw), dict(ready))
    fast = DisplayContext(dict(raw), dict(ready))
    expected = general[name] if name in general else "absent"  # noqa: SIM401 (the general path)
    assert fast.get(name, "absent") == expected
    assert fast.get(name, "absent") == expected  # a second look-up: the converted value
    overlay = Overlay(DisplayContext(dict(raw), dict(ready)), extra=lambda: 1)
    assert overlay.get(name, "absent") == expected


@settings(deadline=None)  # the first example imports and warms caches
@given(_VALUES)
def test_plain_values_display_as_the_general_path(value: Any) -> None:
    shown = display_value(value)
    if type(value) in (int, float, str):
        assert shown is value
    assert display_value(shown) == shown or shown != shown


@settings(deadline=None)  # the first example imports and warms caches
@given(st.fractions(), st.sampled_from([None, "fraction", "decimal"]))
def test_exact_number_formats_as_its_fraction(value: Fraction, style: str | None) -> None:
    assert format_number(ExactNumber(value), style) == format_number(Fraction(value), style)
