"""Safe YAML loading for templates: line numbers kept, duplicate keys refused, YAML 1.2 scalars.

PyYAML implements YAML 1.1, where ``NO`` is false, ``017`` is 15 and ``1e-6`` is a *string*.
Templates are written by people who expect YAML 1.2 (and JSON) behaviour, so this loader
resolves plain scalars with the YAML 1.2 core schema instead. It is a `yaml.SafeLoader`
subclass: Python tags (``!!python/object``...) are refused like any unknown tag.

Mappings load as `LineDict` and sequences as `LineList`, which remember the line of each key or
item so that validation errors can point at ``file:line``.

A template is data from anyone, so loading is bounded: aliases (``*name``) are refused, as in
submissions (one alias-bomb file would otherwise expand exponentially), and nesting is capped
at `MAX_DEPTH` levels; both errors are located at ``file:line``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml  # type: ignore[import-untyped]  # PyYAML has no inline types; stubs are not a dependency

from questionbank.errors import TemplateError

__all__ = ["MAX_DEPTH", "LineDict", "LineList", "load_yaml", "load_yaml_value"]

#: How deeply mappings and lists may nest in a template or a ``--param`` value (templates
#: need about 6 levels; deeper input only risks Python's recursion limit).
MAX_DEPTH = 100


class LineDict(dict):
    """A dict that knows the 1-based line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def text_line(self, key: Any) -> int:
        """The line where the value of `key` starts (for block scalars, the first text line)."""
        return self.value_lines.get(key, self.line_of(key))


class LineList(list):
    """A list that knows the 1-based line of itself and of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class _Refused(Exception):
    """The C parser met an alias or deep nesting: the Python parser reads again and says where."""


class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema, duplicate-key checks and line tracking; aliases
    and nesting deeper than `MAX_DEPTH` are refused while composing, at the event's line."""

    yaml_implicit_resolvers: ClassVar[dict] = {}
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # The same rule as for submissions (grader.exam.grade): an alias event is refused
        # before anything is expanded.
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise TemplateError(f"YAML aliases (*{event.anchor}) are not allowed (plain values "
                                "only)", path=self.name, line=event.start_mark.line + 1)
        if isinstance(event, yaml.CollectionStartEvent):
            if self.depth >= MAX_DEPTH:
                raise TemplateError(f"nested more than {MAX_DEPTH} levels deep",
                                    path=self.name, line=event.start_mark.line + 1)
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
        return super().compose_node(parent, index)


# The YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                       "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _construct_bool(loader: _Loader, node: yaml.ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


def _child(loader: _Loader, node: yaml.Node) -> Any:
    """Construct one child node. On the C parser, which composes in C, an already-built node is
    an alias and deep nesting is caught here (the Python parser then reads again and refuses
    them at the right line while composing)."""
    if node in loader.constructed_objects or (
            loader.depth >= MAX_DEPTH and not isinstance(node, yaml.ScalarNode)):
        raise _Refused
    return loader.construct_object(node, deep=True)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    loader.depth += 1
    try:
        return _mapping(loader, node)
    finally:
        loader.depth -= 1


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.value_lines = {}
    for key_node, value_node in node.value:
        key = _child(loader, key_node)
        try:
            hash(key)
        except TypeError:
            raise TemplateError("a mapping key must be a plain value",
                                path=loader.name, line=key_node.start_mark.line + 1) from None
        if key in result:
            first = result.key_lines[key]
            raise TemplateError(f"duplicate key {key!r} (first defined on line {first})",
                                path=loader.name, line=key_node.start_mark.line + 1)
        result[key] = _child(loader, value_node)
        result.key_lines[key] = key_node.start_mark.line + 1
        first = value_node.start_mark.line + 1
        if isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">"):
            first += 1  # a block scalar's text starts on the line after its indicator
        result.value_lines[key] = first
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    loader.depth += 1
    try:
        result = LineList(_child(loader, child) for child in node.value)
    finally:
        loader.depth -= 1
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _refuse_tag(loader: _Loader, node: yaml.Node) -> Any:
    raise TemplateError(f"the tag {node.tag.rsplit(':', 1)[-1]!r} is not allowed in templates "
                        "(plain YAML values only)", path=loader.name,
                        line=node.start_mark.line + 1)


for _tag in ("binary", "set", "timestamp", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


class _FastLoader(getattr(yaml, "CSafeLoader", _Loader)):  # type: ignore[misc]
    """The same loader on libyaml's C parser, about ten times faster when PyYAML has it. The
    constructors and resolvers, so every safety rule above, are the same Python code."""

    yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    yaml_constructors = _Loader.yaml_constructors
    depth = 0


def load_yaml(text: str, path: str = "<string>") -> Any:
    """Parse one YAML document safely; any problem is a `TemplateError` at `path:line`.

    The C parser reads; when it finds a syntax error, an alias or deep nesting, the pure-Python
    parser reads again, for its clearer messages ("found character '\\t' that cannot start any
    token") and the line of the alias or of the level too deep.
    """
    if _FastLoader is not _Loader:
        try:
            return _load(_FastLoader, text, path)
        except _Refused:
            pass
        except TemplateError as exc:
            if not exc.message.startswith("invalid YAML"):
                raise
    return _load(_Loader, text, path)


def _load(loader_class: type, text: str, path: str) -> Any:
    loader = loader_class(text)
    loader.name = path  # type: ignore[attr-defined]
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        if "could not determine a constructor" in problem:
            problem = f"tag not allowed here: {problem.split('tag ')[-1]}"
        raise TemplateError(f"invalid YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"invalid YAML: {exc}", path=path) from None
    finally:
        loader.dispose()


def load_yaml_value(text: str) -> Any:
    """Parse a short YAML value such as a ``--param k=v`` right-hand side (same safe rules)."""
    return load_yaml(text, path="<value>")
