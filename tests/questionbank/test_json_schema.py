"""The JSON Schema for templates (``questionbank/template.schema.json``) agrees with the validator.

Editors validate templates with the schema as the author types; `mlquiz` validates them with
`questionbank.schema.validate_template`. These tests keep the two in step:

- every kind of mapping has the same keys in both (`SCHEMA_KEYS`), and the type and mode lists
  are the validator's;
- every built-in template, and the annotated example of ``docs/templates.md``, is valid for both;
- invalid documents are rejected by both, and for every param type and answer type each key is
  allowed by the schema exactly when the validator allows it.

One difference is known and cannot be removed: JSON has a single number type, so the schema
accepts ``2.0`` where the validator wants a whole number (``difficulty: 2.0``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from questionbank.bank import BUILTIN_BANK, load_bank
from questionbank.errors import TemplateError
from questionbank.instance import generate
from questionbank.schema import (
    ANSWER_TYPES,
    PARAM_TYPES,
    SCALAR_PARAM_TYPES,
    SCHEMA_KEYS,
    validate_template,
)
from questionbank.selftest import run_template_tests
from questionbank.solvers import solver_outputs
from questionbank.tolerance import MODES
from questionbank.yamlsafe import load_yaml

SCHEMA_PATH = BUILTIN_BANK.parent / "template.schema.json"
DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "templates.md"
EXAMPLE_ID = "metrics/precision-at-threshold"

SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)


def _kind(kind: str) -> dict[str, Any]:
    """The schema node of one kind of mapping: the root for a template, else its definition."""
    return SCHEMA if kind == "template" else SCHEMA["$defs"][kind]


def _plain(value: Any) -> Any:
    """YAML data (LineDict, LineList) as plain dicts and lists, as an editor would see it."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _schema_errors(doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in VALIDATOR.iter_errors(doc)]


def _validator_error(doc: Any) -> str | None:
    """The validator's message for `doc`, or None when it accepts it."""
    try:
        validate_template(copy.deepcopy(doc), "t/example", "t/example.yaml", "",
                          solver_outputs())
    except TemplateError as exc:
        return str(exc)
    return None


def _template(**top: Any) -> dict[str, Any]:
    """A minimal valid template, with top-level keys replaced or added."""
    doc: dict[str, Any] = {"title": "T", "topic": "t", "prompt": "p",
                           "parts": [{"id": "a", "type": "number", "answer": "1"}]}
    doc.update(top)
    return doc


# --------------------------------------------------------------------------- (a) in sync


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("kind", sorted(SCHEMA_KEYS))
def test_each_kind_has_the_validators_keys(kind: str) -> None:
    """The property names of each kind of mapping are exactly `SCHEMA_KEYS[kind]`, and any
    other key is refused, as the validator refuses unknown keys."""
    node = _kind(kind)
    assert set(node["properties"]) == set(SCHEMA_KEYS[kind])
    assert node["additionalProperties"] is False
    assert node["type"] == "object"


@pytest.mark.parametrize("kind", sorted(SCHEMA_KEYS))
def test_every_property_has_a_description(kind: str) -> None:
    """Editors show descriptions as tooltips: every key of every kind has one."""
    for key, sub in _kind(kind)["properties"].items():
        assert isinstance(sub.get("description"), str) and len(sub["description"]) > 10, key


def test_param_types_are_the_validators() -> None:
    assert _kind("param")["properties"]["type"]["enum"] == list(PARAM_TYPES)
    scalar = SCHEMA["$defs"]["scalarParam"]["allOf"][1]["properties"]["type"]["enum"]
    assert scalar == list(SCALAR_PARAM_TYPES)


def test_param_type_branches_cover_every_type() -> None:
    branches = [b["if"]["properties"]["type"]["const"] for b in _kind("param")["allOf"]]
    assert sorted(branches) == sorted(PARAM_TYPES)


def test_answer_types_are_the_validators() -> None:
    assert _kind("part")["properties"]["type"]["enum"] == list(ANSWER_TYPES)


def test_tolerance_modes_are_the_validators() -> None:
    assert _kind("tolerance")["properties"]["mode"]["enum"] == list(MODES)


def test_solvers_suggested_by_the_schema_are_registered() -> None:
    """The editor completes `solver:` from these examples; a renamed solver must not linger."""
    examples = SCHEMA["properties"]["solver"]["examples"]
    assert set(examples) <= set(solver_outputs())


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_resolves() -> None:
    for ref in _refs(SCHEMA):
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/") in SCHEMA["$defs"], ref


# --------------------------------------------------------------------------- (b) built-ins


BUILTIN_FILES = sorted(BUILTIN_BANK.rglob("*.yaml"))


def test_the_built_in_bank_is_not_empty() -> None:
    assert BUILTIN_FILES


@pytest.mark.parametrize("path", BUILTIN_FILES,
                         ids=[p.relative_to(BUILTIN_BANK).as_posix() for p in BUILTIN_FILES])
def test_built_in_template_is_valid_for_the_schema(path: Path) -> None:
    doc = _plain(load_yaml(path.read_text(encoding="utf-8"), str(path)))
    assert _schema_errors(doc) == []


def _docs_example() -> str:
    """The annotated example template of docs/templates.md (the YAML block after its marker)."""
    text = DOCS_PATH.read_text(encoding="utf-8")
    marker = f"<!-- example: {EXAMPLE_ID} -->"
    assert marker in text
    match = re.search(r"```yaml\n(.*?)```", text[text.index(marker):], re.DOTALL)
    assert match is not None
    return match.group(1)


def test_docs_example_is_valid_for_the_schema() -> None:
    assert _schema_errors(_plain(load_yaml(_docs_example()))) == []


def test_docs_example_loads_generates_and_passes_its_tests(tmp_path: Path) -> None:
    """The example in the docs is a working template: it loads from an instructor's folder,
    generates instances at many seeds, and its own tests pass."""
    target = tmp_path / f"{EXAMPLE_ID}.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(_docs_example(), encoding="utf-8")
    bank = load_bank([tmp_path], builtin=False, use_env=False)
    template = bank.get(EXAMPLE_ID)
    assert template.tests
    for seed in range(25):
        instance = generate(template, seed)
        assert [p.id for p in instance.parts] == ["flagged", "precision", "recall", "larger"]
    assert run_template_tests(template, seeds=(0, 1, 2)) == []


# --------------------------------------------------------------------------- (c) invalid


def _part(**keys: Any) -> dict[str, Any]:
    return _template(parts=[{"id": "a", "type": "number", "answer": "1", **keys}])


def _param(spec: dict[str, Any], name: str = "x") -> dict[str, Any]:
    return _template(params={name: spec})


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("unknown top-level key", _template(titel="T"), r"unknown key 'titel'; did you mean 'title'"),
    ("unknown part key", _part(tolerence={"mode": "rel", "value": 0.01}),
     r"unknown key 'tolerence'; did you mean 'tolerance'"),
    ("missing prompt", {k: v for k, v in _template().items() if k != "prompt"},
     r"missing required key 'prompt'"),
    ("bad param type", _param({"type": "integer", "min": 1, "max": 3}),
     r"got 'integer'; did you mean 'int'"),
    ("key of another param type", _param({"type": "int", "min": 1, "max": 3, "step": 1}),
     r"'step' does not apply to an? int parameter"),
    ("vector of vectors", _param({"type": "vector", "length": 2,
                                  "of": {"type": "vector", "length": 2,
                                         "of": {"type": "int", "min": 0, "max": 1}}}),
     r"expected one of int, decimal, choice, bool"),
    ("fractional int bound", _param({"type": "int", "min": 0.5, "max": 3}),
     r"expected a whole number"),
    ("probability above 1", _param({"type": "bool", "p": 1.5}), r"probability from 0 to 1"),
    ("zero length", _param({"type": "mask", "length": 0}), r"length from 1 to 10000"),
    ("reserved param name", _param({"type": "int", "min": 0, "max": 1}, name="pi"),
     r"'pi' is reserved"),
    ("tolerance mode typo", _part(tolerance={"mode": "sigfig", "value": 3}),
     r"got 'sigfig'; did you mean 'sigfigs'"),
    ("fractional sigfigs", _part(tolerance={"mode": "sigfigs", "value": 2.5}),
     r"expected a whole number"),
    ("tolerance without value", _part(tolerance={"mode": "rel"}), r"missing required key 'value'"),
    ("tolerance on an exact part",
     _template(parts=[{"id": "a", "type": "integer", "answer": "1",
                       "tolerance": {"mode": "abs", "value": 1}}]),
     r"compared exactly"),
    ("choice without options", _template(parts=[{"id": "a", "type": "choice"}]),
     r"needs 'options'"),
    ("answer on a choice part",
     _template(parts=[{"id": "a", "type": "choice", "answer": "1",
                       "options": [{"text": "x", "correct": True}, {"text": "y"}]}]),
     r"'correct' on its options"),
    ("unknown option key",
     _template(parts=[{"id": "a", "type": "choice",
                       "options": [{"text": "x", "corect": True}, {"text": "y"}]}]),
     r"unknown key 'corect'; did you mean 'correct'"),
    ("expression without symbols", _template(parts=[{"id": "a", "type": "expression",
                                                     "answer": "2*x"}]),
     r"needs 'symbols'"),
    ("mistake without feedback", _part(mistakes=[{"id": "m", "answer": "2"}]),
     r"missing required key 'feedback'"),
    ("mistake id in capitals", _part(mistakes=[{"id": "Recall", "answer": "2", "feedback": "f"}]),
     r"expected a lower-case id"),
    ("hint that YAML read as a mapping", _part(hints=[{"Compare": "x"}]),
     r"quote a text that contains ': '"),
    ("difficulty out of range", _template(difficulty=7), r"from 1 to 5"),
    ("constraint with an unknown key", _template(constraints=[{"expr": "1 > 0", "msg": "m"}]),
     r"unknown key 'msg'; did you mean 'message'"),
    ("test with an unknown key", _template(tests=[{"params": {}, "expected": {"a": 1}}]),
     r"unknown key 'expected'; did you mean 'expect'"),
]


@pytest.mark.parametrize(("doc", "message"), [(d, m) for _, d, m in INVALID],
                         ids=[name for name, _, _ in INVALID])
def test_invalid_document_is_rejected_by_both(doc: dict[str, Any], message: str) -> None:
    assert _schema_errors(doc), "the schema accepts it"
    error = _validator_error(doc)
    assert error is not None, "the validator accepts it"
    assert re.search(message, error), error


def test_the_minimal_template_is_accepted_by_both() -> None:
    assert _schema_errors(_template()) == []
    assert _validator_error(_template()) is None


# Every param type with the keys it needs, and a sample value for every param key.
PARAM_BASES: dict[str, dict[str, Any]] = {
    "int": {"min": 0, "max": 5},
    "decimal": {"min": 0, "max": 1, "step": 0.1},
    "choice": {"values": [1, 2]},
    "bool": {},
    "vector": {"length": 3, "of": {"type": "int", "min": 0, "max": 1}},
    "matrix": {"rows": 2, "cols": [2, 4], "of": {"type": "decimal", "min": 0, "max": 1}},
    "mask": {"length": 3},
}
PARAM_SAMPLES: dict[str, Any] = {
    "min": 0, "max": 5, "step": 0.5, "values": [1, 2], "p": 0.5, "length": 3, "rows": 2,
    "cols": 2, "of": {"type": "int", "min": 0, "max": 1}, "description": "a note",
}


def _param_cases() -> Iterator[tuple[str, dict[str, Any]]]:
    for ptype, base in PARAM_BASES.items():
        yield f"{ptype}", {"type": ptype, **base}
        for key in SCHEMA_KEYS["param"]:
            if key != "type" and key not in base:
                yield f"{ptype} + {key}", {"type": ptype, **base, key: PARAM_SAMPLES[key]}
        for key in base:
            yield f"{ptype} - {key}", {"type": ptype, **{k: v for k, v in base.items()
                                                         if k != key}}


PARAM_CASES = list(_param_cases())


def test_param_samples_cover_every_param_key() -> None:
    assert set(PARAM_SAMPLES) | {"type"} == set(SCHEMA_KEYS["param"])
    assert set(PARAM_BASES) == set(PARAM_TYPES)


@pytest.mark.parametrize("spec", [s for _, s in PARAM_CASES], ids=[n for n, _ in PARAM_CASES])
def test_schema_and_validator_agree_on_param_keys(spec: dict[str, Any]) -> None:
    """For every param type, a key is allowed (and required) by the schema exactly when the
    validator allows (and requires) it."""
    doc = _param(spec)
    error = _validator_error(doc)
    assert (_schema_errors(doc) == []) == (error is None), error


OPTIONS = [{"text": "x", "correct": True, "feedback": "f", "id": "x"}, {"text": "y"}]
PART_BASES: dict[str, dict[str, Any]] = {
    "number": {"answer": "1"},
    "integer": {"answer": 1},
    "vector": {"answer": "[1, 2]"},
    "matrix": {"answer": "[[1, 2], [3, 4]]"},
    "shape": {"answer": "[2, 3]"},
    "choice": {"options": OPTIONS},
    "choices": {"options": OPTIONS},
    "expression": {"answer": "2*x", "symbols": {"x": [2, 1]}},
}
PART_SAMPLES: dict[str, Any] = {
    "prompt": "p", "answer": "1", "points": 2, "tolerance": {"mode": "abs", "value": 0.1},
    "hints": ["h"], "mistakes": [{"id": "m", "answer": "2", "feedback": "f", "when": "1 > 0"}],
    "options": OPTIONS, "shuffle": False, "partial": False, "symbols": {"x": [2, 1]},
    "format": "fraction", "solution": "s",
}


def _part_cases() -> Iterator[tuple[str, dict[str, Any]]]:
    for ptype, base in PART_BASES.items():
        yield ptype, {"id": "a", "type": ptype, **base}
        yield f"{ptype} + no mistakes", {"id": "a", "type": ptype, **base, "mistakes": []}
        for key in SCHEMA_KEYS["part"]:
            if key not in ("id", "type") and key not in base:
                yield f"{ptype} + {key}", {"id": "a", "type": ptype, **base,
                                           key: PART_SAMPLES[key]}
        for key in base:
            if key != "answer":  # may come from the solver: see CROSS_REFERENCES
                yield f"{ptype} - {key}", {"id": "a", "type": ptype,
                                           **{k: v for k, v in base.items() if k != key}}


PART_CASES = list(_part_cases())


def test_part_samples_cover_every_part_key() -> None:
    assert set(PART_SAMPLES) | {"id", "type"} == set(SCHEMA_KEYS["part"])
    assert set(PART_BASES) == set(ANSWER_TYPES)


@pytest.mark.parametrize("part", [p for _, p in PART_CASES], ids=[n for n, _ in PART_CASES])
def test_schema_and_validator_agree_on_part_keys(part: dict[str, Any]) -> None:
    """For every answer type, a key is allowed (and required) by the schema exactly when the
    validator allows (and requires) it."""
    doc = _template(parts=[part])
    error = _validator_error(doc)
    assert (_schema_errors(doc) == []) == (error is None), error


TOLERANCE_CASES = [(mode, value) for mode in MODES
                   for value in (-1, 0, 0.005, 1, 2.5, 3, 15, 16)]


@pytest.mark.parametrize(("mode", "value"), TOLERANCE_CASES)
def test_schema_and_validator_agree_on_tolerance_values(mode: str, value: float) -> None:
    """rel/abs take a positive number, sigfigs 1 to 15 figures, decimals 0 to 15 places."""
    doc = _part(tolerance={"mode": mode, "value": value})
    error = _validator_error(doc)
    assert (_schema_errors(doc) == []) == (error is None), error


@pytest.mark.parametrize("floor", [-1, 0, 1e-12, 0.5])
def test_schema_and_validator_agree_on_tolerance_floor(floor: float) -> None:
    doc = _part(tolerance={"mode": "rel", "value": 0.01, "floor": floor})
    error = _validator_error(doc)
    assert (_schema_errors(doc) == []) == (error is None), error


# What only the validator can check: names and references across the document (and the
# solvers registered in Python). The schema checks structure; `mlquiz validate` checks both.
CROSS_REFERENCES: list[tuple[str, dict[str, Any], str]] = [
    ("no answer and no solver", _template(parts=[{"id": "a", "type": "number"}]),
     r"no 'answer' given and no solver value named 'a'"),
    ("unknown name in an answer", _part(answer="tp / (tp + fp)"), r"unknown name 'fp'"),
    ("unknown solver", _template(solver="metrics.confusoin"),
     r"did you mean 'metrics.confusion'"),
    ("duplicate part id", _template(parts=[{"id": "a", "type": "number", "answer": "1"}] * 2),
     r"duplicate part id 'a'"),
    ("test of an unknown param", _template(tests=[{"params": {"n": 1}, "expect": {"a": 1}}]),
     r"no parameter named 'n'"),
    ("id that does not match the path", _template(id="t/other"), r"does not match"),
    ("syntax error in an expression", _part(answer="(1 + 2"), r"invalid expression"),
]


@pytest.mark.parametrize(("doc", "message"), [(d, m) for _, d, m in CROSS_REFERENCES],
                         ids=[name for name, _, _ in CROSS_REFERENCES])
def test_cross_references_are_left_to_the_validator(doc: dict[str, Any], message: str) -> None:
    assert _schema_errors(doc) == []
    error = _validator_error(doc)
    assert error is not None and re.search(message, error), error
