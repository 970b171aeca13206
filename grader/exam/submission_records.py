"""The records of a JSON or YAML submissions file, for `grader.exam.submissions` (which reads a
CSV file itself): each record's key/value pairs as the text typed, or why it cannot be read.

Imported only to read such a file: a CSV file, the usual one, does not need this module's
record class and JSON token pattern (0.7 ms of imports on every ``mlquiz grade``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.exam.submissions import MAX_DEPTH, RefusedValue
from questionbank.errors import InputError

__all__ = ["Record", "json_records", "yaml_records"]


@dataclass(slots=True, frozen=True)
class Record:
    """A JSON/YAML record before conversion: its 1-based index and line, its key/value pairs
    as text, or a problem."""

    index: int
    line: int
    pairs: list[tuple[str, str]] | None
    problem: str | None = None


class _TooDeep(Exception):
    """A value nested deeper than `MAX_DEPTH`."""


def _json_text(value: Any, depth: int = 0) -> str:
    """A JSON value as the text the student typed (numbers were kept as text by the decoder)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if depth >= MAX_DEPTH and isinstance(value, list):
        raise _TooDeep
    if isinstance(value, _Pairs):
        return "{" + ", ".join(f"{k}: {_json_text(v, depth + 1)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(v, depth + 1) for v in value) + "]"
    return str(value)


def _json_cell(value: Any) -> str:
    """A record's value as text; one nested too deeply a `RefusedValue`."""
    try:
        return _json_text(value)
    except _TooDeep:
        return RefusedValue(f"The answer is nested deeper than {MAX_DEPTH} levels.")


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object kept as its list of (key, value) pairs, so duplicate keys are visible."""


#: A JSON string or a bracket (what `_skip_value` counts).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _skip_value(text: str, start: int) -> int:
    """The end of the JSON list or object at `start` (or len(text)), found by counting
    brackets outside strings: for a record too deeply nested for the decoder."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text, start):
        mark = token.group()
        if mark in "[{":
            depth += 1
        elif mark in "]}":
            depth -= 1
            if depth == 0:
                return token.end()
    return len(text)


def json_records(text: str, path: Path) -> Iterator[Record]:
    decoder = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str,
                               object_pairs_hook=_Pairs)

    def skip(i: int) -> int:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        return i

    def fail(i: int, message: str) -> InputError:
        return InputError(f"{path}:{text.count(chr(10), 0, i) + 1}: {message}")

    i = skip(0)
    if i >= len(text) or text[i] != "[":
        raise fail(i, "expected a JSON list of records, e.g. [{\"student\": \"s001\", "
                      "\"Q1.f1\": \"8/13\"}]")
    i = skip(i + 1)
    line, counted, index = 1, 0, 0
    while True:
        if i < len(text) and text[i] == "]":
            break
        if index:
            if i >= len(text) or text[i] != ",":
                raise fail(i, "expected ',' or ']' between records")
            i = skip(i + 1)
        index += 1
        line += text.count("\n", counted, i)
        counted = i
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: record {index}: not valid JSON "
                             f"({exc.msg})") from None
        except RecursionError:
            yield Record(index, line, None, f"the record is nested deeper than {MAX_DEPTH} "
                                             "levels")
            i = skip(_skip_value(text, i))
            continue
        if isinstance(value, _Pairs):
            yield Record(index, line, [(str(k), _json_cell(v)) for k, v in value])
        else:
            yield Record(index, line, None, "the record is not a JSON object")
        i = skip(end)
    if skip(i + 1) != len(text):
        raise fail(skip(i + 1), "unexpected text after the list of records")


def yaml_records(text: str, path: Path) -> Iterator[Record]:
    """Records from YAML *nodes*: nothing is constructed, so every scalar is the text as typed
    and tags (``!!python/...``) are inert; aliases are refused (no exponential expansion)."""
    import yaml  # type: ignore[import-untyped]  # (no types-PyYAML in the environment)

    class NoAliasLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            line = self.peek_event().start_mark.line + 1
            if self.check_event(yaml.AliasEvent):
                raise InputError(f"{path}:{line}: YAML aliases (*name) are not allowed in "
                                 "submissions")
            if self.depth > MAX_DEPTH + 1:  # + the list of records and a record
                raise InputError(f"{path}:{line}: a value is nested deeper than {MAX_DEPTH} "
                                 "levels")
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    try:
        root = yaml.compose(text, Loader=NoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{where}: not valid YAML ({problem})") from None
    if root is None:
        return
    if not isinstance(root, yaml.SequenceNode):
        raise InputError(f"{path}:{root.start_mark.line + 1}: expected a YAML list of records "
                         "(- student: s001 ...)")

    def as_text(node: Any) -> str:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        if isinstance(node, yaml.SequenceNode):
            return "[" + ", ".join(as_text(v) for v in node.value) + "]"
        return "{" + ", ".join(f"{as_text(k)}: {as_text(v)}" for k, v in node.value) + "}"

    for index, item in enumerate(root.value, start=1):
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            yield Record(index, line, None, "the record is not a mapping")
            continue
        yield Record(index, line, [(as_text(k), as_text(v)) for k, v in item.value])
