"""Hostile question packs (issue 11): each case is a bank folder with one good template and one
hostile file. The command must end in a bounded time with the exact message, the good template
must still be listed, and nothing in the pack may run (a canary file is never created)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from questionbank.bank import MAX_TEMPLATE_BYTES, read_template_source
from questionbank.errors import TemplateError
from questionbank.sampling import INSTANCE_SECONDS
from questionbank.yamlsafe import MAX_DEPTH, load_yaml

ROOT = Path(__file__).resolve().parents[2]
# Seconds per command, generous for a loaded machine: every case ends in well under a second
# here (those that hit the time budget in INSTANCE_SECONDS more); a blow-up takes minutes.
TIME_BOUND = 5.0

GOOD = """\
title: A good one
topic: mine
params:
  a: {type: int, min: 1, max: 9}
prompt: What is {{ a }}?
parts:
  - id: x
    type: number
    answer: a
"""

_HEAD = "title: Hostile\ntopic: mine\n"
_PART = "prompt: Hi\nparts:\n  - id: x\n    type: number\n    answer: '1'\n"

ALIAS_BOMB = _HEAD + """\
params:
  c:
    type: choice
    values: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]
  d:
    type: choice
    values: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
  e:
    type: choice
    values: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
""" + "".join(f"  p{i}: {{type: choice, values: [*a{i + 2}, *a{i + 2}, *a{i + 2}]}}\n"
              f"  q{i}: &a{i + 3} [*a{i + 2}, *a{i + 2}, *a{i + 2}, *a{i + 2}]\n"
              for i in range(12)) + _PART

HUGE_MATRIX = _HEAD + """\
params:
  A:
    type: matrix
    rows: 10000
    cols: 10000
    of: {type: int, min: 0, max: 9}
""" + _PART

UNSATISFIABLE = _HEAD + """\
params:
  a: {type: int, min: 1, max: 9}
constraints:
  - expr: a > 100
    message: a is above 100
""" + _PART

SLOW_CONSTRAINT = _HEAD + """\
max_tries: 100000
params:
  v:
    type: vector
    length: 10000
    of: {type: decimal, min: 0, max: 1, step: 0.001}
constraints:
  - expr: sum(v) > 100000
    message: the sum is huge
""" + _PART

BIG_PRODUCT = _HEAD + """\
params:
  v:
    type: vector
    length: 400
    of: {type: int, min: 0, max: 9}
derived:
  big: transpose([v]) * [v]
  p: big * big
""" + _PART

PYTHON_TAG = _HEAD + ("x: !!python/object/apply:os.system ['touch {canary}']\n") + _PART


def _write(text: str) -> Callable[[Path, Path], None]:
    def make(path: Path, canary: Path) -> None:
        path.write_text(text.replace("{canary}", str(canary)), encoding="utf-8")
    return make


def _deep(path: Path, canary: Path) -> None:
    path.write_text(_HEAD + "x: " + "[" * 1500 + "]" * 1500 + "\n" + _PART, encoding="utf-8")


def _big(path: Path, canary: Path) -> None:
    with path.open("wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: 100 MB without writing them


def _fifo(path: Path, canary: Path) -> None:
    os.mkfifo(path)


def _link_out(path: Path, canary: Path) -> None:
    outside = path.parent.parent / "outside.yaml"
    outside.write_text(GOOD, encoding="utf-8")
    path.symlink_to(outside)


def _link_zero(path: Path, canary: Path) -> None:
    path.symlink_to("/dev/zero")


def _link_loop(path: Path, canary: Path) -> None:
    path.symlink_to(path.name)


_REFUSED_LINK = "a symbolic link that leads outside the bank folder (not followed)"

# (case, how to make the file, the line `list` prints on stderr for it, with {file})
LOAD_CASES = [
    ("alias bomb", _write(ALIAS_BOMB),
     "error: {file}:9: YAML aliases (*a0) are not allowed (plain values only)"),
    ("nesting 1500 deep", _deep, f"error: {{file}}:3: nested more than {MAX_DEPTH} levels deep"),
    ("10^4 x 10^4 matrix", _write(HUGE_MATRIX),
     "error: {file}:6: params.A.rows: expected a length from 1 to 100, got 10000"),
    ("100 MB file", _big, "error: {file}: file is larger than 256 KiB"),
    ("FIFO", _fifo, "error: {file}: not a regular file (not read)"),
    ("symlink outside", _link_out, "error: {file}: " + _REFUSED_LINK),
    ("symlink to /dev/zero", _link_zero, "error: {file}: " + _REFUSED_LINK),
    ("symlink loop", _link_loop,
     "error: {file}: cannot read the file: Too many levels of symbolic links"),
    ("python tag", _write(PYTHON_TAG),
     "error: {file}:3: invalid YAML: tag not allowed here: "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
]

# (case, file text, the exact `show` error, as a regular expression)
GENERATE_CASES = [
    ("unsatisfiable constraint", UNSATISFIABLE,
     r"error: {file}:6: constraints\[0\]: could not satisfy the constraint 'a is above 100' "
     r"in 1000 tries \(it failed 1000 times\); widen the param ranges or relax it"),
    ("constraint over the time budget", SLOW_CONSTRAINT,
     r"error: {file}: generating an instance took longer than the 2 s budget "
     r"\(sample \d+ of at most 100000\); simplify the template"),
    ("400x400 matrix product", BIG_PRODUCT,
     r"error: {file}:10: derived.p: cannot evaluate 'big \* big': the product of a 400x400 "
     r"and a 400x400 matrix is too large \(at most 1,000,000 multiplications\)"),
]


def _run(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if k != "MLQUIZ_BANK"}
    env["PYTHONPATH"] = str(ROOT)
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=60)
    return result, time.monotonic() - start


def _pack(tmp_path: Path) -> tuple[Path, Path]:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "good.yaml").write_text(GOOD, encoding="utf-8")
    return pack, tmp_path / "canary"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks (POSIX)")
@pytest.mark.parametrize(("case", "make", "expected"), LOAD_CASES,
                         ids=[c[0] for c in LOAD_CASES])
def test_list_reports_a_hostile_file_and_lists_the_rest(
        tmp_path: Path, case: str, make: Callable[[Path, Path], None], expected: str) -> None:
    pack, canary = _pack(tmp_path)
    hostile = pack / "hostile.yaml"
    make(hostile, canary)
    result, seconds = _run("list", "--bank", str(pack), cwd=tmp_path)
    assert seconds < TIME_BOUND
    assert result.returncode == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert errors == [expected.format(file=hostile)]
    assert "1 template file(s) could not be loaded" in result.stderr
    listed = [ln.split()[0] for ln in result.stdout.splitlines() if ln.strip()]
    assert "good" in listed and "metrics/confusion-matrix" in listed
    assert "hostile" not in listed
    assert "Traceback" not in result.stderr
    assert not canary.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks (POSIX)")
@pytest.mark.parametrize(("case", "make", "expected"), LOAD_CASES,
                         ids=[c[0] for c in LOAD_CASES])
def test_show_and_topic_choice_refuse_a_hostile_file_in_bounded_time(
        tmp_path: Path, case: str, make: Callable[[Path, Path], None], expected: str) -> None:
    """`show` loads the file; `list --topic` reads every file's topic (`Bank.topic_of`), which
    must not read a 100 MB file, block on a FIFO or follow a link out of the folder."""
    pack, canary = _pack(tmp_path)
    hostile = pack / "hostile.yaml"
    make(hostile, canary)
    shown, seconds = _run("show", "hostile", "--bank", str(pack), cwd=tmp_path)
    assert seconds < TIME_BOUND
    assert (shown.returncode, shown.stdout) == (1, "")
    assert shown.stderr.splitlines() == [expected.format(file=hostile)]
    by_topic, seconds = _run("list", "--topic", "mine", "--bank", str(pack), cwd=tmp_path)
    assert seconds < TIME_BOUND
    assert [ln.split()[0] for ln in by_topic.stdout.splitlines()] == ["good"]
    assert not canary.exists()


@pytest.mark.parametrize(("case", "text", "expected"), GENERATE_CASES,
                         ids=[c[0] for c in GENERATE_CASES])
def test_generation_limits_fail_fast_with_a_message(tmp_path: Path, case: str, text: str,
                                                    expected: str) -> None:
    pack, _ = _pack(tmp_path)
    hostile = pack / "hostile.yaml"
    hostile.write_text(text, encoding="utf-8")
    shown, seconds = _run("show", "hostile", "--bank", str(pack), cwd=tmp_path)
    assert seconds < INSTANCE_SECONDS + TIME_BOUND
    assert shown.returncode == 1
    assert re.fullmatch(expected.format(file=re.escape(str(hostile))), shown.stderr.strip())
    listed, _ = _run("list", "--bank", str(pack), cwd=tmp_path)
    assert listed.returncode == 0  # the file itself is valid: only generating it fails
    assert {"good", "hostile"} <= {ln.split()[0] for ln in listed.stdout.splitlines()}


def test_validate_stops_a_slowly_failing_template(tmp_path: Path) -> None:
    """200 seeds of a template that fails in 2 s would take minutes: validation stops once
    the failing seeds have taken more than the budget of one instance."""
    pack, _ = _pack(tmp_path)
    (pack / "good.yaml").unlink()
    (pack / "slow.yaml").write_text(SLOW_CONSTRAINT, encoding="utf-8")
    result, seconds = _run("validate", str(pack), cwd=tmp_path)
    assert seconds < INSTANCE_SECONDS + TIME_BOUND
    assert result.returncode == 1
    assert "FAIL slow: stopped after seed 0: the failing seeds took more than 2 s" \
        in result.stdout


@pytest.mark.parametrize(("value", "message"), [
    ("[&x 1.0, *x, 2.0]", "<value>:1: YAML aliases (*x) are not allowed (plain values only)"),
    ("[" * 200 + "]" * 200, f"<value>:1: nested more than {MAX_DEPTH} levels deep"),
])
def test_param_values_refuse_aliases_and_deep_nesting(tmp_path: Path, value: str,
                                                      message: str) -> None:
    result, seconds = _run("show", "dropout/apply-mask", "--param", f"a={value}", cwd=tmp_path)
    assert seconds < TIME_BOUND
    assert result.returncode == 2
    assert f"cannot read the value of 'a': {message}" in result.stderr


@pytest.mark.parametrize(("value", "message"), [
    ([1.0] * 10_001, "parameter 'a' expects at most 10000 entries"),
])
def test_param_values_are_size_capped(value: list[float], message: str) -> None:
    from questionbank.api import generate

    with pytest.raises(TemplateError) as info:
        generate("dropout/apply-mask", 1, {"a": value})
    assert info.value.message.startswith(message)
    assert len(info.value.message) < 500  # an excerpt of the value, not all 10,001 entries


def test_matrix_overrides_are_capped(tmp_path: Path) -> None:
    from questionbank.bank import load_bank
    from questionbank.instance import generate

    (tmp_path / "m.yaml").write_text(_HEAD + "params:\n  A: {type: matrix, rows: 2, cols: 2, "
                                     "of: {type: int, min: 0, max: 9}}\n" + _PART)
    template = load_bank([tmp_path], builtin=False, use_env=False).get("m")
    with pytest.raises(TemplateError, match=r"expects at most 100x100 entries"):
        generate(template, 1, {"A": [[1] * 101] * 2})
    assert generate(template, 1, {"A": [[1] * 100] * 100}).params["A"][99][99] == 1


@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1])
@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_limit_is_exact_on_both_parsers(depth: int, style: str) -> None:
    """The C parser defers to the Python one, so the limit and the line are the same."""
    if style == "flow":
        text = "[" * depth + "]" * depth
    else:
        text = "".join("  " * i + "-\n" for i in range(depth - 1)) + "  " * (depth - 1) + "- 1\n"
    if depth <= MAX_DEPTH:
        assert load_yaml(text, "t.yaml") is not None
        return
    with pytest.raises(TemplateError) as info:
        load_yaml(text, "t.yaml")
    line = 1 if style == "flow" else depth
    assert str(info.value) == f"t.yaml:{line}: nested more than {MAX_DEPTH} levels deep"


@pytest.mark.parametrize(("text", "line"), [
    ("a: &x 1\nb: *x\n", 2),           # a scalar alias
    ("a: &x [1]\nb: [2, *x]\n", 2),    # a sequence alias
    ("a: &x {k: 1}\nb: {c: *x}\n", 2),  # a mapping alias
])
def test_every_alias_is_refused_with_its_line(text: str, line: int) -> None:
    with pytest.raises(TemplateError) as info:
        load_yaml(text, "t.yaml")
    assert str(info.value) == f"t.yaml:{line}: YAML aliases (*x) are not allowed (plain values " \
        "only)"


def test_an_anchor_without_alias_is_harmless() -> None:
    assert load_yaml("a: &x [1, 2]\n") == {"a": [1, 2]}


def test_symlinks_inside_the_folder_are_followed(tmp_path: Path) -> None:
    from questionbank.bank import load_bank

    (tmp_path / "real.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "alias.yaml").symlink_to(tmp_path / "real.yaml")
    bank = load_bank([tmp_path], builtin=False, use_env=False)
    assert bank.get("alias").title == "A good one"


def test_reading_is_bounded_even_without_a_bank_folder(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as info:
        read_template_source(Path("/dev/zero"), "zero.yaml")
    assert str(info.value) == "zero.yaml: not a regular file (not read)"
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_TEMPLATE_BYTES + 1))
    with pytest.raises(TemplateError, match=r"^big.yaml: file is larger than 256 KiB$"):
        read_template_source(big, "big.yaml")
    big.write_bytes(b"#" * MAX_TEMPLATE_BYTES)
    assert len(read_template_source(big, "big.yaml")) == MAX_TEMPLATE_BYTES


def test_error_messages_show_only_an_excerpt_of_file_content() -> None:
    err = TemplateError("expected a number, got " + repr("A" * 200_000), path="t.yaml", line=3)
    assert len(str(err)) < 500
    assert str(err).startswith("t.yaml:3: expected a number, got 'AAAA")
    assert "(199625 characters not shown)" in str(err)


# ----------------------------------------------------------------------------- template text

_REFUSED = "prompt: refused in template text: "
# (case, payload on line 5 of the file, the exact `show` error after "{file}:LINE: ")
SSTI_CASES = [
    ("cycler globals", "{{ cycler.__init__.__globals__.os.popen('touch {canary}').read() }}",
     "5: " + _REFUSED + "access to attribute '__init__' of 'StrictUndefined' object is unsafe."),
    ("subclasses", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
     "5: " + _REFUSED + "access to attribute '__class__' of 'str' object is unsafe."),
    ("helper globals",
     "{{ num.__globals__['__builtins__']['__import__']('os').system('touch {canary}') }}",
     "5: " + _REFUSED + "access to attribute '__globals__' of 'function' object is unsafe."),
    ("format string", "{{ '{0.__class__}'.format(num) }}{{ 'x'.format_map({}) }}",
     "5: " + _REFUSED + "access to attribute '__class__' of 'function' object is unsafe."),
    ("list mutation", "{% set r = [1] %}{{ r.pop() }}",
     "5: " + _REFUSED + "access to attribute 'pop' of 'list' object is unsafe."),
    ("range(10**8)", "{% for i in range(10**8) %}x{% endfor %}",
     "5: " + _REFUSED + "range() of 100000000 items is too long (at most 10000)"),
    ("huge power", "{{ 2 ** 100000000 }}",
     "5: " + _REFUSED + "the exponent 100000000 is too large (at most 256)"),
    ("huge repetition", "{{ 'x' * 10**9 }}",
     "5: " + _REFUSED + "repeating a text or list that many times is refused "
     "(at most 1,000,000 items)"),
    # the size is checked between output chunks, outside the template's frames: the text's
    # first line is given
    ("huge output", "{% for i in range(10000) %}{{ 'x' * 999999 }}{% endfor %}",
     "4: " + _REFUSED + "the text renders to more than 1,000,000 characters"),
    ("silent nested loops",
     "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
     "5: " + _REFUSED + "the loops take more than 1,000,000 steps"),
    ("loops over a long text", "{% set s = 'x' * 999999 %}{% for a in s %}{% for b in s %}"
     "{% endfor %}{% endfor %}", "5: " + _REFUSED + "the loops take more than 1,000,000 steps"),
    ("huge centre", "{{ 'x' | center(10**9) }}",
     "5: " + _REFUSED + "a width of 1000000000 is too wide (at most 1000)"),
    ("huge printf width", "{{ '%1000000000d' % 1 }}", "5: " + _REFUSED +
     "the format '%1000000000' is too wide (fields of at most 1000 characters)"),
    ("huge format width", "{{ '{:>1000000000}'.format(1) }}", "5: " + _REFUSED +
     "the format '{:>1000000000}' is too wide (fields of at most 1000 characters)"),
    ("width from an argument", "{{ '{:{w}}'.format(1, w=10**9) }}", "5: " + _REFUSED +
     "a format field may not take its width from an argument"),
    ("endless macro", "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
     "4: " + _REFUSED + "a macro or recursive loop calls itself without end"),
]


@pytest.mark.parametrize(("case", "payload", "expected"), SSTI_CASES,
                         ids=[c[0] for c in SSTI_CASES])
def test_template_text_is_sandboxed(tmp_path: Path, case: str, payload: str,
                                    expected: str) -> None:
    pack, canary = _pack(tmp_path)
    hostile = pack / "hostile.yaml"
    hostile.write_text(_HEAD + "prompt: |\n  Hello\n  " + payload.replace("{canary}", str(canary))
                       + "\nparts:\n  - id: x\n    type: number\n    answer: '1'\n",
                       encoding="utf-8")
    bank = ["--bank", str(pack)]
    for command in (["show", "hostile", *bank], ["check", "hostile", *bank, "--", "1"]):
        result, seconds = _run(*command, cwd=tmp_path)
        assert seconds < TIME_BOUND
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr.splitlines() == [f"error: {hostile}:{expected}"]
    validated, seconds = _run("validate", str(hostile), "--seeds", "3", cwd=tmp_path)
    assert seconds < TIME_BOUND
    assert validated.returncode == 1
    assert f"FAIL pack/hostile: seed 0: {hostile}:{expected}" in validated.stdout
    listed, _ = _run("list", "--bank", str(pack), cwd=tmp_path)
    assert {"good", "hostile"} <= {ln.split()[0] for ln in listed.stdout.splitlines()}
    assert not canary.exists()


def test_building_a_table_with_append_still_works() -> None:
    from questionbank.render import render

    text = "{% set rows = [] %}{% for i in range(3) %}{% set _ = rows.append([i, i * i]) %}" \
        "{% endfor %}{{ rows }}"
    assert render(text, {}, "md") == "[[0, 0], [1, 1], [2, 4]]"
