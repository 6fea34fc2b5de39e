"""YAML loading that remembers the line of every mapping, for errors that name the line."""

from __future__ import annotations

from typing import Any

import yaml

from workflow.errors import InvalidInput

LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # No aliases (*name): a few lines of nested aliases expand into millions of nodes
        # for whoever walks the result, and no planflow file needs them.
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not accepted", mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def load_yaml_with_lines(text: str, *, source: str) -> Any:
    """Parse YAML; every mapping gets a `__line__` key; syntax errors become InvalidInput."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        # One line, as every command-line error: the problem, not PyYAML's excerpt of it.
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InvalidInput(f"{source}:{where} is not valid YAML ({problem})") from exc
