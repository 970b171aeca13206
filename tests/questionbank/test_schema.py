"""Template validation errors, as the author sees them: ``path:line: key: message``.

Every case writes one small template into a bank folder, loads it with `load_bank(...).get` and,
for problems that only show when an instance is made, calls `generate`. The rendered message
must name the file, the line, the key path and what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from questionbank.bank import load_bank
from questionbank.errors import QuizError, TemplateError
from questionbank.instance import generate

BASE = """\
title: Doubling
topic: demo
params:
  x: {type: int, min: 1, max: 9}
prompt: "x is {{ x }}"
parts:
  - id: double
    type: number
    answer: 2 * x
"""
# Line numbers of BASE: 1 title, 4 the param x, 5 prompt, 7 the part, 8 its type, 9 its answer;
# text appended to BASE starts on line 10.


def edit(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


def add(text: str) -> str:
    return BASE + text


CHOICE_NONE = add("  - id: pick\n    type: choice\n    options:\n"
                  "      - {text: a, correct: x > 100}\n      - {text: b, correct: x > 100}\n")
CHOICE_TWO = add("  - id: pick\n    type: choice\n    options:\n"
                 "      - {text: a, correct: x > 0}\n      - {text: b, correct: true}\n")
UNSATISFIABLE = edit("prompt:", "constraints:\n  - expr: x > 100\n    message: x is huge\nprompt:")
PART_PROMPT_OWN_LINE = add("  - id: half\n    type: number\n    answer: x / 2\n"
                           "    prompt: 'half of {{ y }}'\n")

# (case id, yaml text, when it fails, expected line, expected key path, message fragment)
CASES = [
    pytest.param(edit("min: 1, max", "min: [1, max"), "load", 4, None,
                 "invalid YAML: expected ',' or ']'", id="bad-yaml-bracket"),
    pytest.param(edit("  x: {", "\tx: {"), "load", 4, None,
                 "invalid YAML: found character '\\t' that cannot start any token",
                 id="bad-yaml-tab"),
    pytest.param(edit("topic: demo", "topic: demo\ntitle: Again"), "load", 3, None,
                 "duplicate key 'title' (first defined on line 1)", id="duplicate-key"),
    pytest.param(edit("title:", "titel:"), "load", 1, "titel",
                 "unknown key 'titel'; did you mean 'title'?", id="unknown-key-titel"),
    pytest.param(add("    tolerence: {mode: rel, value: 0.01}\n"), "load", 10,
                 "parts[0].tolerence", "unknown key 'tolerence'; did you mean 'tolerance'?",
                 id="unknown-key-tolerence"),
    pytest.param(add("    zzzqqq: 1\n"), "load", 10, "parts[0].zzzqqq",
                 "unknown key 'zzzqqq' (allowed: id, type, prompt, answer, points,",
                 id="unknown-part-key-no-match"),
    pytest.param(add("colour: red\n"), "load", 10, "colour",
                 "unknown key 'colour' (allowed: id, title, topic,", id="unknown-key-no-match"),
    pytest.param(add("    points: five\n"), "load", 10, "parts.double.points",
                 "expected a number, got 'five'", id="points-not-a-number"),
    pytest.param(add("    tolerance: {mode: rel, value: '5%'}\n"), "load", 10,
                 "parts.double.tolerance.value", "expected a number, got '5%'",
                 id="tolerance-percent-string"),
    pytest.param(add("    tolerance:\n      mode: rel\n      value: 5%\n"), "load", 12,
                 "parts.double.tolerance.value", "expected a number, got '5%'",
                 id="tolerance-percent-own-line"),
    pytest.param(add("    tolerance: {mode: relative, value: 0.01}\n"), "load", 10,
                 "parts.double.tolerance.mode",
                 "expected one of rel, abs, sigfigs, decimals, got 'relative'; did you mean "
                 "'rel'?", id="tolerance-mode-typo"),
    pytest.param(add("difficulty: 9\n"), "load", 10, "difficulty",
                 "expected a whole number from 1 to 5, got 9", id="difficulty-range"),
    pytest.param(add("    hints:\n      - Note: quote me\n"), "load", 11,
                 "parts.double.hints[0]",
                 "expected text, got a mapping (quote a text that contains ': ')",
                 id="hint-with-colon"),
    pytest.param(edit("type: int", "type: integer"), "load", 4, "params.x.type",
                 "expected one of int, decimal, choice, bool, vector, matrix, mask, got "
                 "'integer'; did you mean 'int'?", id="param-type-integer"),
    pytest.param(edit("type: int", "type: vectr"), "load", 4, "params.x.type",
                 "got 'vectr'; did you mean 'vector'?", id="param-type-vectr"),
    pytest.param(edit("min: 1, max: 9", "min: 9, max: 1"), "load", 4, "params.x",
                 "min (9) is greater than max (1)", id="param-min-above-max"),
    pytest.param(edit("type: number", "type: nubmer"), "load", 8, "parts.double.type",
                 "got 'nubmer'; did you mean 'number'?", id="part-type-typo"),
    pytest.param(edit("2 * x", "2 * xx"), "load", 9, "parts.double.answer",
                 "unknown name 'xx' in expression '2 * xx'; did you mean 'x'?",
                 id="unknown-name-in-answer"),
    pytest.param(edit("prompt:", "derived:\n  twice: 2 * y\nprompt:"), "load", 6,
                 "derived.twice", "unknown name 'y' in expression '2 * y'",
                 id="unknown-name-in-derived"),
    pytest.param(edit("2 * x", "2 * (x +"), "load", 9, "parts.double.answer",
                 "invalid expression: the expression ends too early\n      2 * (x +\n"
                 "              ^", id="invalid-expression-caret"),
    pytest.param(edit("2 * x", "2 * $x"), "load", 9, "parts.double.answer",
                 "invalid expression: unexpected character '$'\n      2 * $x\n          ^",
                 id="invalid-character-caret"),
    pytest.param("id: other\n" + BASE, "load", 1, "id",
                 "the id 'other' does not match the file's place in the bank ('t'); remove it "
                 "or rename the file", id="id-mismatch"),
    pytest.param(edit("title: Doubling\n", ""), "load", 1, None,
                 "missing required key 'title'", id="missing-title"),
    pytest.param(edit("    type: number\n", ""), "load", 7, "parts[0]",
                 "missing required key 'type'", id="missing-part-type"),
    pytest.param(add("  - id: double\n    type: number\n    answer: x\n"), "load", 10,
                 "parts[1].id", "duplicate part id 'double'", id="duplicate-part-id"),
    pytest.param(CHOICE_NONE, "generate", 10, "parts.pick",
                 "a choice part needs exactly one correct option, this instance has 0",
                 id="choice-without-correct-option"),
    pytest.param(CHOICE_TWO, "generate", 10, "parts.pick",
                 "a choice part needs exactly one correct option, this instance has 2",
                 id="choice-with-two-correct-options"),
    pytest.param(UNSATISFIABLE, "generate", 6, "constraints[0]",
                 "could not satisfy the constraint 'x is huge' in 1000 tries",
                 id="unsatisfiable-constraint"),
    pytest.param(edit("prompt:", "solver: metrics.confusoin\nprompt:"), "load", 5, "solver",
                 "no solver named 'metrics.confusoin'; did you mean 'metrics.confusion'?",
                 id="unknown-solver"),
    pytest.param(add("  - {id: half, type: number, answer: x / 2, prompt: 'half of {{ x'}\n"),
                 "load", 10, "parts.half.prompt", "template syntax error: unexpected end",
                 id="jinja-syntax-in-part-prompt"),
    pytest.param(add("  - {id: half, type: number, answer: x / 2, prompt: 'half of {{ y }}'}\n"),
                 "generate", 10, "parts.half.prompt", "undefined name in text: 'y' is undefined",
                 id="undefined-name-in-part-prompt"),
    pytest.param(edit('"x is {{ x }}"', '"x is {{ x "'), "load", 5, "prompt",
                 "template syntax error: unexpected end", id="jinja-syntax-in-prompt"),
    pytest.param(edit('"x is {{ x }}"', '"x is {% if x %}"'), "load", 5, "prompt",
                 "template syntax error: Unexpected end of template",
                 id="jinja-unclosed-block-in-prompt"),
    pytest.param(edit('"x is {{ x }}"', '"x is {{ y }}"'), "generate", 5, "prompt",
                 "undefined name in text: 'y' is undefined", id="undefined-name-in-prompt"),
    pytest.param(PART_PROMPT_OWN_LINE, "generate", 13, "parts.half.prompt",
                 "undefined name in text: 'y' is undefined",
                 id="undefined-name-in-part-prompt-own-line"),
]


@pytest.mark.parametrize(("text", "stage", "line", "key", "fragment"), CASES)
def test_template_error_names_file_line_and_key(
        load_template_text: Callable[..., object], bank_dir: Path, text: str, stage: str,
        line: int, key: str | None, fragment: str) -> None:
    with pytest.raises(TemplateError) as info:
        template = load_template_text(text)
        assert stage == "generate", "the template loaded, but it should have been refused"
        generate(template, 0)
    err = info.value
    path = str(bank_dir / "t.yaml")
    assert err.path == path
    assert err.line == line
    assert err.key == key
    assert fragment in err.message
    where = f"{path}:{line}: " + (f"{key}: " if key else "")
    assert str(err) == where + err.message


def test_the_base_template_is_valid(load_template_text: Callable[..., object]) -> None:
    """The cases above each break one thing; the unbroken template must load and generate."""
    instance = generate(load_template_text(BASE), 3)
    x = instance.params["x"]
    assert instance.prompt == f"x is {x}"
    assert instance.part("double").answer == 2 * x


def test_undefined_name_in_option_text_names_the_option(
        load_template_text: Callable[..., object]) -> None:
    text = add("  - id: pick\n    type: choice\n    options:\n"
               "      - {text: '{{ x }}', correct: true}\n      - {text: '{{ y }}'}\n")
    template = load_template_text(text)
    with pytest.raises(TemplateError) as info:
        generate(template, 0)
    assert info.value.line == 14
    assert info.value.key is not None
    assert info.value.key.startswith("parts.pick.options")


def test_unsatisfiable_constraint_uses_max_tries(load_template_text: Callable[..., object]) -> None:
    template = load_template_text(add("max_tries: 7\n").replace(
        "prompt:", "constraints:\n  - x > 100\nprompt:"))
    with pytest.raises(TemplateError) as info:
        generate(template, 0)
    err = info.value
    assert (err.line, err.key) == (6, "constraints[0]")
    assert "could not satisfy the constraint 'x > 100' in 7 tries (it failed 7 times)" \
        in err.message


def test_unknown_template_id_suggests_close_ids(bank_dir: Path) -> None:
    (bank_dir / "metrics").mkdir()
    (bank_dir / "metrics" / "precision.yaml").write_text(BASE, encoding="utf-8")
    bank = load_bank([bank_dir], builtin=False, use_env=False)
    assert bank.ids() == ["metrics/precision"]
    with pytest.raises(QuizError, match=r"no template 'metrics/precison' in the bank; did you "
                       r"mean metrics/precision\?"):
        bank.get("metrics/precison")


def test_missing_bank_folder_is_a_quiz_error(tmp_path: Path) -> None:
    with pytest.raises(QuizError, match="bank folder not found"):
        load_bank([tmp_path / "nowhere"], builtin=False, use_env=False)


def test_every_builtin_template_validates() -> None:
    bank = load_bank(builtin=True, use_env=False)
    ids = bank.ids()
    assert "metrics/confusion-matrix" in ids
    assert "dropout/apply-mask" in ids
    for template_id in ids:
        template = bank.get(template_id)
        assert template.id == template_id
        assert template.parts
        assert template.path == f"bank/{template_id}.yaml"
