"""Strict YAML reading with line numbers, built on PyYAML's node API.

Every value keeps its line so that the policy loader can name file, line and key in its errors.
Numbers are read as :class:`~decimal.Decimal` or ``int`` from their source text (never float);
dates stay strings until the loader checks them, so that a bad date is reported with its key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from lingjun.rules.errors import PolicyError

_INT = re.compile(r"^[-+]?[0-9]+$")
_DEC = re.compile(r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$")


@dataclass
class YScalar:
    line: int
    value: Any  # None, bool, int, Decimal or str
    text: str


@dataclass
class YSeq:
    line: int
    items: list[YNode] = field(default_factory=list)


@dataclass
class YMap:
    line: int
    items: dict[str, YNode] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)


YNode = YScalar | YSeq | YMap


def _scalar(node: yaml.ScalarNode, file: str) -> YScalar:
    line = node.start_mark.line + 1
    text = node.value
    tag = node.tag
    value: Any
    if node.style is not None and node.style in "'\"|>":  # quoted or block: a string
        value = text
    elif tag.endswith(":null"):
        value = None
    elif tag.endswith(":bool"):
        value = text.lower() in ("true", "yes", "on", "y")
    elif _INT.match(text):
        value = int(text)
    elif _DEC.match(text):
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the regex admits only decimals
            value = text
    else:  # strings, and dates (checked by the loader where a date is expected)
        value = text
    return YScalar(line, value, text)


def _convert(node: yaml.Node, file: str) -> YNode:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, file)
    if isinstance(node, yaml.SequenceNode):
        return YSeq(node.start_mark.line + 1, [_convert(n, file) for n in node.value])
    if isinstance(node, yaml.MappingNode):
        out = YMap(node.start_mark.line + 1)
        for key_node, value_node in node.value:
            kline = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise PolicyError("bad_type", file=file, line=kline, key="?", expected="字符串键", value="…")
            key = str(key_node.value)
            if key in out.items:
                raise PolicyError("duplicate_key", file=file, line=kline, key=key)
            out.items[key] = _convert(value_node, file)
            out.key_lines[key] = kline
        return out
    raise PolicyError(  # pragma: no cover - aliases are resolved by compose
        "yaml_syntax", file=file, line=node.start_mark.line + 1, detail="不支持的节点"
    )


def load_yaml(text: str, file: str) -> YNode:
    """Parse one YAML document into located nodes; syntax errors and duplicate keys are errors."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise PolicyError("yaml_syntax", file=file, line=line, detail=str(exc.problem or exc)) from None
    except yaml.YAMLError as exc:
        raise PolicyError("yaml_syntax", file=file, line=0, detail=str(exc)) from None
    if node is None:
        return YMap(1)
    return _convert(node, file)


def plain(node: YNode) -> Any:
    """The node as plain Python values (for scenario values and case files)."""
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [plain(n) for n in node.items]
    return {k: plain(v) for k, v in node.items.items()}
