"""Reading the project's YAML files (taxonomy, gazetteer) with one-line errors.

The files are read with PyYAML's safe loader and stricter than YAML itself: a key given
twice in one mapping is refused (YAML would silently keep the last one), as are documents
nested deeper than ``MAX_DEPTH`` levels, aliases that expand to more than
``MAX_EXPANDED_VALUES`` values (a "billion laughs" bomb) or that contain themselves, and
any tag outside the safe schema (``!!python/...``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from stancepack.ground.errors import StancepackError
from stancepack.ground.filereader import read_regular_file

MAX_DEPTH = 100
MAX_EXPANDED_VALUES = 1_000_000
MERGE_TAG = "tag:yaml.org,2002:merge"
STANDARD_TAG_PREFIX = "tag:yaml.org,2002:"


class RefusedYaml(yaml.YAMLError):
    """YAML that parses but that stancepack does not accept; the message names the line."""


class StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing duplicate keys, deep nesting, alias bombs, aliases
    that contain themselves and unknown tags."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._expanded: dict[int, int] = {}  # id(node) -> values it expands to

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._refuse_self_containing_alias()
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise RefusedYaml(f"line {line}: nested deeper than {MAX_DEPTH} levels")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._count_expanded(node)
        return node

    def _refuse_self_containing_alias(self) -> None:
        if not self.check_event(yaml.AliasEvent):
            return
        event = self.peek_event()
        target = self.anchors.get(event.anchor)
        if target is not None and id(target) not in self._expanded:
            raise RefusedYaml(
                f"line {event.start_mark.line + 1}: alias *{event.anchor} refers to a value "
                "that contains it"
            )

    def _count_expanded(self, node: Node) -> None:
        if id(node) in self._expanded:
            return
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            children = []
        total = 1 + sum(self._expanded[id(child)] for child in children)
        if total > MAX_EXPANDED_VALUES:
            raise RefusedYaml(
                f"line {node.start_mark.line + 1}: aliases expand to more than "
                f"{MAX_EXPANDED_VALUES} values"
            )
        self._expanded[id(node)] = total

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        self._refuse_duplicate_keys(node)
        return super().construct_mapping(node, deep=deep)

    def _refuse_duplicate_keys(self, node: MappingNode) -> None:
        first_lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = first_lines.get(key)
            except TypeError:  # an unhashable key; the safe constructor refuses it
                continue
            if first is not None:
                raise RefusedYaml(f"line {line}: duplicate key {key!r} (first on line {first})")
            first_lines[key] = line

    def construct_unknown_tag(self, node: Node) -> Any:
        tag = node.tag.replace(STANDARD_TAG_PREFIX, "!!")
        raise RefusedYaml(f"line {node.start_mark.line + 1}: tag {tag} is not allowed")


StrictLoader.add_constructor(None, StrictLoader.construct_unknown_tag)


def read_yaml(path: Path, error: type[StancepackError], kind: str) -> Any:
    """The YAML document in ``path``; raises ``error`` with a message that names the file
    (a ``kind`` file: "taxonomy", "gazetteer") and, for refused YAML, the line."""
    data = read_regular_file(path, error, kind)
    try:
        return yaml.load(data.decode("utf-8"), Loader=StrictLoader)  # noqa: S506
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except RefusedYaml as refused:
        raise error(f"{path}: {refused}") from None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise error(f"{path}: not valid YAML{place}") from None
