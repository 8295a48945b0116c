"""The plan's YAML read with line numbers: libyaml's events built into mappings and lists that
remember where each key and item was, so every problem can name its line. Anchors and aliases are
refused before anything is expanded."""
from __future__ import annotations

import math

from metrics.plan.model import PlanProblem


class _Node(dict):
    """A mapping that remembers its own line and the line of each of its keys."""
    line: int = 1
    key_lines: dict = {}


class _Seq(list):
    """A list that remembers its own line and the line of each item."""
    line: int = 1
    item_lines: list = []


class _Reported:
    """A value already reported as a problem (a non-finite number, a YAML tag): checks skip it."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text


_LOADER = None


def _loader_class():
    """libyaml's parser with PyYAML's safe resolver, less timestamps: we read YYYY-MM ourselves."""
    global _LOADER
    if _LOADER is None:
        import yaml
        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        _LOADER = type("_PlanLoader", (base,), {"yaml_implicit_resolvers": {
            key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for key, resolvers in base.yaml_implicit_resolvers.items()}})
    return _LOADER


def _syntax_problem(file: str, err) -> PlanProblem:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if mark is None:
        return PlanProblem(file, 1, "", f"not valid YAML: {err}")
    message = f"not valid YAML: {getattr(err, 'problem', None) or err}"
    context, start = getattr(err, "context", None), getattr(err, "context_mark", None)
    if context and start is not None and start is not mark:  # where the unclosed thing began
        message += f" ({context} started at line {start.line + 1}, column {start.column + 1})"
    return PlanProblem(file, mark.line + 1, "", message, mark.column + 1)


class _Unreadable(Exception):
    """The file cannot be read as a plan at all: reported alone, with its line and column."""

    def __init__(self, mark, message: str):
        super().__init__(message)
        self.problem = (mark.line + 1, mark.column + 1, message)


def _read_yaml(file: str, text: str):
    """The document as _Node/_Seq/scalars and the problems found in its form, or one problem alone
    when the file cannot be read (a syntax error, an anchor, a second document, deep nesting)."""
    import yaml
    problems: list[PlanProblem] = []
    try:
        return _build(file, text, problems), problems, False
    except yaml.YAMLError as err:
        return None, [_syntax_problem(file, err)], True
    except _Unreadable as err:
        line, column, message = err.problem
        return None, [PlanProblem(file, line, "", message, column)], True


MAX_DEPTH = 32  # the plan nests 9 deep; far deeper is a hostile file, not a plan


def _build(file: str, text: str, problems: list):
    """Build the document from libyaml's parser events, in one pass and without recursion.

    Working from events, an anchor or alias is refused where it is met, before anything could
    be expanded (a few hundred bytes of aliases once took minutes and gigabytes), and nesting
    has a limit (libyaml's own composer recurses, and crashes on a file of 100,000 brackets).
    """
    from yaml import events
    loader = _loader_class()(text)
    stack: list[list] = []  # open containers: [container, (pending key, its line) or None]
    root, documents = None, 0
    try:
        while loader.check_event():
            event = loader.get_event()
            kind = type(event)
            if kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
                stack.pop()
                continue
            if kind is events.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Unreadable(event.start_mark, "not valid YAML: a plan file holds one YAML document "
                                                        "(remove the second ---)")
                continue
            if kind is events.AliasEvent or getattr(event, "anchor", None) is not None:
                sign = "*" if kind is events.AliasEvent else "&"
                raise _Unreadable(event.start_mark, f'YAML anchors and aliases are not allowed in the plan '
                                                    f'(found "{sign}{event.anchor}"); write each value out in full')
            if kind is events.ScalarEvent:
                value = _scalar(loader, event, file, problems)
            elif kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
                value = _container(kind is events.MappingStartEvent, event, file, problems)
                if len(stack) >= MAX_DEPTH:
                    raise _Unreadable(event.start_mark, f"the plan nests lists and mappings more than {MAX_DEPTH} "
                                                        "deep; it cannot be a plan")
            else:
                continue  # stream and document ends
            if not stack:
                root = value
            else:
                _attach(stack[-1], value, event, file, problems)
            if kind is not events.ScalarEvent:
                stack.append([value, None])
    finally:
        loader.dispose()
    return root


def _container(is_mapping: bool, event, file: str, problems: list):
    container = _Node() if is_mapping else _Seq()
    container.line = event.start_mark.line + 1
    if is_mapping:
        container.key_lines = {}
    else:
        container.item_lines = []
    if event.tag is not None and not event.implicit:
        problems.append(PlanProblem(file, container.line, "",
                                    f'the YAML tag "{event.tag}" is not allowed in the plan; write plain values'))
    return container


def _attach(top: list, value, event, file: str, problems: list) -> None:
    """Put a value in the open container: a list item, a mapping's key, or the value for that key."""
    container, pending = top
    line = event.start_mark.line + 1
    if isinstance(container, _Seq):
        container.append(value)
        container.item_lines.append(line)
    elif pending is None:
        if isinstance(value, (_Node, _Seq)):
            raise _Unreadable(event.start_mark, "a key must be a plain word, not a list or mapping")
        top[1] = (event.value, line)  # the key as typed: "no" and "2007" stay words
    else:
        key, key_line = pending
        top[1] = None
        if key in container.key_lines:
            problems.append(PlanProblem(file, key_line, "", f"duplicate key '{key}': given at lines "
                                                            f"{container.key_lines[key]} and {key_line}; give each key once"))
        else:
            container.key_lines[key] = key_line
            container[key] = value


_CONSTRUCTOR = []
_NUMBER_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _constructor():
    if not _CONSTRUCTOR:
        from yaml.constructor import SafeConstructor
        _CONSTRUCTOR.append(SafeConstructor())
    return _CONSTRUCTOR[0]


def _scalar(loader, event, file: str, problems: list):
    """A scalar's value, with PyYAML's safe meaning for null, bools, ints and floats."""
    tag = event.tag
    if tag is None or tag == "!":
        from yaml.nodes import ScalarNode
        tag = loader.resolve(ScalarNode, event.value, event.implicit)
    if tag == "tag:yaml.org,2002:str":
        return event.value
    if tag == "tag:yaml.org,2002:null":
        return None
    line = event.start_mark.line + 1
    if tag in _NUMBER_TAGS:
        from yaml.nodes import ScalarNode
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        value = getattr(_constructor(), "construct_yaml_" + tag.rsplit(":", 1)[1])(node)
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(PlanProblem(file, line, "", f'"{event.value}" is not a finite number; '
                                                        "the plan's numbers must be finite"))
            return _Reported(event.value)
        return value
    problems.append(PlanProblem(file, line, "", f'the YAML tag "{tag}" is not allowed in the plan; write plain values'))
    return _Reported(event.value)


def _line(node, key=None) -> int:
    if isinstance(node, _Node):
        if key is not None and key in node.key_lines:
            return node.key_lines[key]
        return node.line
    if isinstance(node, _Seq):
        return node.line
    return 1
