"""Tests of `questionbank.yamlsafe`: YAML 1.2 scalars, refused duplicates and tags, line numbers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from questionbank.errors import TemplateError
from questionbank.yamlsafe import LineDict, LineList, load_yaml, load_yaml_value

# (plain scalar as written, the value YAML 1.2 gives it). PyYAML's YAML 1.1 differs on most.
SCALARS: list[tuple[str, Any]] = [
    ("1e-6", 1e-06),           # 1.1: the string '1e-6'
    ("1E3", 1000.0),
    ("1e6", 1000000.0),
    ("-1.5e3", -1500.0),
    ("0.5", 0.5),
    (".5", 0.5),
    ("+.5", 0.5),
    ("1.", 1.0),
    ("0.1e-2", 0.001),
    (".inf", math.inf),
    ("-.inf", -math.inf),
    ("NO", "NO"),              # 1.1: False
    ("no", "no"),
    ("yes", "yes"),            # 1.1: True
    ("Yes", "Yes"),
    ("on", "on"),
    ("off", "off"),
    ("y", "y"),
    ("n", "n"),
    ("017", 17),               # 1.1: 15 (octal)
    ("08", 8),
    ("00", 0),
    ("-0", 0),
    ("0o17", 15),
    ("0x1F", 31),
    ("-12", -12),
    ("+5", 5),
    ("1_000", "1_000"),        # 1.1: 1000
    ("0b101", "0b101"),        # 1.1: 5
    ("12:30", "12:30"),        # 1.1: 750 (base 60)
    ("0o8", "0o8"),
    ("true", True),
    ("True", True),
    ("TRUE", True),
    ("false", False),
    ("tRUE", "tRUE"),
    ("~", None),
    ("null", None),
    ("Null", None),
    ("", None),
    ("2001-01-01", "2001-01-01"),  # 1.1: a datetime.date
    ("'017'", "017"),
    ("'yes'", "yes"),
    ("!!str 017", "017"),
]


@pytest.mark.parametrize(("written", "expected"), SCALARS)
def test_plain_scalars_follow_yaml_1_2(written: str, expected: Any) -> None:
    value = load_yaml(f"a: {written}\n")["a"]
    assert type(value) is type(expected)  # bool is not int, float is not int
    assert value == expected


def test_nan_is_a_float() -> None:
    value = load_yaml("a: .nan\n")["a"]
    assert isinstance(value, float)
    assert math.isnan(value)


def test_scalars_inside_flow_collections() -> None:
    doc = load_yaml("v: [1e-6, NO, 017, 0o17, true, 2.0]\n")
    assert doc["v"] == [1e-06, "NO", 17, 15, True, 2.0]
    assert [type(x) for x in doc["v"]] == [float, str, int, int, bool, float]


# ----------------------------------------------------------------------------- duplicate keys

DUPLICATES = [
    # (text, line of the repeated key, line of the first one, key)
    ("a: 1\nb: 2\na: 3\n", 3, 1, "a"),
    ("parts:\n  - id: x\n    type: number\n    id: y\n", 4, 2, "id"),
    ("m: {k: 1, k: 2}\n", 1, 1, "k"),
    ("top:\n  inner:\n    x: 1\n\n    x: 2\n", 5, 3, "x"),
    ("true: 1\nTrue: 2\n", 2, 1, True),
]


@pytest.mark.parametrize(("text", "line", "first", "key"), DUPLICATES)
def test_duplicate_key_is_refused_with_both_lines(text: str, line: int, first: int,
                                                  key: Any) -> None:
    with pytest.raises(TemplateError) as info:
        load_yaml(text, "bank/t.yaml")
    err = info.value
    assert err.path == "bank/t.yaml"
    assert err.line == line
    assert str(err) == f"bank/t.yaml:{line}: duplicate key {key!r} (first defined on line {first})"


# ----------------------------------------------------------------------------- tags

PYTHON_TAGS = [
    "!!python/object/apply:os.system ['echo unsafe']",
    "!!python/name:os.system",
    "!!python/object:collections.OrderedDict {}",
    "!!python/object/new:builtins.list [[1]]",
    "!!python/module:os",
    "!!python/tuple [1, 2]",
    "!!python/str x",
]


@pytest.mark.parametrize("tagged", PYTHON_TAGS)
def test_python_tags_are_refused_at_their_line(tagged: str) -> None:
    text = f"title: T\ntopic: demo\nprompt: {tagged}\n"
    with pytest.raises(TemplateError) as info:
        load_yaml(text, "bank/evil.yaml")
    err = info.value
    assert err.line == 3
    assert str(err).startswith("bank/evil.yaml:3: invalid YAML: tag not allowed here")
    assert "python/" in err.message


def test_python_apply_tag_does_not_run_anything(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"a: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path " \
           f"['{marker}']]\n"
    with pytest.raises(TemplateError):
        load_yaml(text)
    assert not marker.exists()


@pytest.mark.parametrize("tagged", ["!!binary aGk=", "!!set {a: null}",
                                    "!!timestamp 2001-01-01"])
def test_non_core_tags_are_refused(tagged: str) -> None:
    with pytest.raises(TemplateError) as info:
        load_yaml(f"title: T\nvalues: [{tagged}]\n", "bank/t.yaml")
    assert info.value.line == 2


def test_custom_tag_is_refused() -> None:
    with pytest.raises(TemplateError) as info:
        load_yaml("a: 1\nb: !mytag 2\n", "t.yaml")
    assert info.value.line == 2
    assert "tag not allowed here" in info.value.message


def test_inline_merge_keys_still_work() -> None:
    doc = load_yaml("other:\n  <<: {x: 1}\n  y: 2\n")
    assert doc["other"] == {"x": 1, "y": 2}


def test_merge_keys_through_an_alias_are_refused() -> None:
    """Aliases are refused in templates (issue 11), also as the value of a merge key."""
    with pytest.raises(TemplateError) as info:
        load_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n", "t.yaml")
    assert str(info.value) == "t.yaml:3: YAML aliases (*b) are not allowed (plain values only)"


# ----------------------------------------------------------------------------- bad YAML

BAD_YAML = [
    # (text, line of the problem, fragment of the message)
    ("a: [1, 2\n", 2, "expected ',' or ']'"),
    ("a: {b: 1\n", 2, "expected ',' or '}'"),
    ("params:\n  x: {type: int, min: [1, max: 2}\n", 2, "expected ',' or ']'"),
    ("a:\n\tb: 1\n", 2, "found character '\\t' that cannot start any token"),
    ("a: 1\n\tb: 2\n", 2, "'\\t'"),
    ("a: b: c\n", 1, "mapping values are not allowed here"),
    ("a: 'x\n", 2, "unexpected end of stream"),
    ("a: 1\n b: 2\n", 2, "mapping values are not allowed here"),
    ("a: &x 1\nb: *y\n", 2, "YAML aliases (*y) are not allowed"),
    ("a: 1\n---\nb: 2\n", 2, "another document"),
    ("[1]: 2\n", 1, "a mapping key must be a plain value"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BAD_YAML)
def test_bad_yaml_is_a_template_error_at_path_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(TemplateError) as info:
        load_yaml(text, "bank/metrics/x.yaml")
    err = info.value
    assert (err.path, err.line) == ("bank/metrics/x.yaml", line)
    assert str(err).startswith(f"bank/metrics/x.yaml:{line}: ")
    assert fragment in err.message


def test_load_yaml_value_reads_a_param_override() -> None:
    assert load_yaml_value("80") == 80
    assert load_yaml_value("0.2") == 0.2
    assert load_yaml_value("yes") == "yes"
    assert load_yaml_value("[1, 0, 1]") == [1, 0, 1]
    with pytest.raises(TemplateError) as info:
        load_yaml_value("[1,")
    assert str(info.value).startswith("<value>:1: invalid YAML")


def test_empty_documents_load_as_none() -> None:
    assert load_yaml("") is None
    assert load_yaml("# only a comment\n") is None


# ----------------------------------------------------------------------------- line tracking

DOC = """\
# a comment line
title: T
params:
  x: {type: int, min: 1, max: 9}
  y:
    type: decimal
parts:
  - id: a
    type: number

  - {id: b, type: shape}
tags: [one, two,
       three]
"""


def test_mappings_and_sequences_remember_lines() -> None:
    doc = load_yaml(DOC)
    assert isinstance(doc, LineDict)
    assert doc.line == 2
    assert doc.key_lines == {"title": 2, "params": 3, "parts": 7, "tags": 12}
    params = doc["params"]
    assert isinstance(params, LineDict)
    assert (params.line_of("x"), params.line_of("y")) == (4, 5)
    assert params["x"].line == 4
    assert params["x"].line_of("max") == 4
    assert params["y"].line == 6
    assert params["y"].line_of("type") == 6
    parts = doc["parts"]
    assert isinstance(parts, LineList)
    assert parts.item_lines == [8, 11]
    assert (parts.line_of(0), parts.line_of(1)) == (8, 11)
    assert parts[0].line == 8
    assert parts[0].line_of("type") == 9
    assert parts[1].line_of("type") == 11
    assert doc["tags"].item_lines == [12, 12, 13]


def test_line_of_falls_back_to_the_container_line() -> None:
    doc = load_yaml(DOC)
    assert doc["params"].line_of("missing") == doc["params"].line == 4
    assert doc["parts"].line_of(5) == doc["parts"].line == 8
    assert doc["parts"].line_of(-1) == 8


def test_line_containers_compare_as_plain_data() -> None:
    doc = load_yaml("a: {b: [1, 2]}\n")
    assert doc == {"a": {"b": [1, 2]}}
    assert type(doc["a"]["b"]) is LineList
    assert isinstance(doc["a"]["b"], list)
