"""The strict loader of policy files (政策文件的读取与校验).

One YAML file per policy (see ``lingjun/policies/README.md`` for the format). The loader rejects
unknown keys, duplicate keys, bad dates, unknown fields, functions and references, and any
expression the compiler could not translate, naming file, line and key (the messages are in
:mod:`lingjun.rules.errors`; ``tests/rules/broken`` holds a file for each).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from lingjun.rules import expr as E
from lingjun.rules.errors import PolicyError, RulesError, names
from lingjun.rules.expr_parse import Scope, Where, parse
from lingjun.rules.policy import (
    PLACEHOLDER,
    BandDef,
    Bracket,
    Cited,
    Criterion,
    Indicator,
    Input,
    Library,
    Metric,
    Parameter,
    ParamKind,
    Policy,
    Scale,
    render_label,
)
from lingjun.rules.yamlio import YMap, YNode, YScalar, YSeq, load_yaml, plain

_PARAM_TYPES: dict[str, ParamKind] = {
    "number": "num",
    "bool": "bool",
    "string": "str",
    "date": "date",
    "scale": "scale",
}
_INPUT_TYPES: dict[str, E.Kind] = {"number": "num", "bool": "bool"}
_BOUNDS = {"min": ">=", "above": ">", "max": "<=", "below": "<"}


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def err(self, code: str, line: int, **params: Any) -> PolicyError:
        return PolicyError(code, file=self.file, line=line, **params)

    def mapping(
        self, node: YNode, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> YMap:
        if not isinstance(node, YMap):
            raise self.err("bad_type", node.line, key=where, expected="映射（键: 值）", value=_show(node))
        allowed = (*required, *optional)
        for key, line in node.key_lines.items():
            if key not in allowed:
                raise self.err("unknown_key", line, key=key, allowed=names(allowed))
        for key in required:
            if key not in node.items:
                raise self.err("missing_key", node.line, where=where, key=key)
        return node

    def seq(self, node: YNode, key: str) -> YSeq:
        if not isinstance(node, YSeq):
            raise self.err("bad_type", node.line, key=key, expected="列表", value=_show(node))
        return node

    def scalar(self, m: YMap, key: str, default: Any = None) -> YScalar | None:
        node = m.items.get(key)
        if node is None:
            return None
        if not isinstance(node, YScalar):
            raise self.err("bad_type", node.line, key=key, expected="单个取值", value=_show(node))
        return node

    def text(self, m: YMap, key: str, default: str = "") -> str:
        node = self.scalar(m, key)
        if node is None or node.value is None:
            return default
        if isinstance(node.value, bool):
            raise self.err("bad_type", node.line, key=key, expected="文本", value=node.text)
        return node.text

    def ident(self, m: YMap, key: str) -> str:
        value = self.text(m, key)
        if not value.replace("_", "a").replace(".", "a").isalnum() or not value.isascii():
            raise self.err(
                "bad_value", m.key_lines[key], key=key, value=value, detail="标识只能含英文字母、数字、_ 和 ."
            )
        return value

    def boolean(self, m: YMap, key: str, default: bool) -> bool:
        node = self.scalar(m, key)
        if node is None:
            return default
        if not isinstance(node.value, bool):
            raise self.err("bad_type", node.line, key=key, expected="true 或 false", value=node.text)
        return node.value

    def decimal(self, node: YNode, key: str) -> Decimal:
        if (
            not isinstance(node, YScalar)
            or isinstance(node.value, bool)
            or not isinstance(node.value, int | Decimal)
        ):
            raise self.err("bad_type", node.line, key=key, expected="数值", value=_show(node))
        return Decimal(node.value)

    def date_of(self, text: str, line: int, key: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.err("bad_date", line, key=key, value=text) from None

    def date_value(self, m: YMap, key: str) -> date | None:
        node = self.scalar(m, key)
        if node is None or node.value is None:
            return None
        return self.date_of(node.text, node.line, key)


def _show(node: YNode) -> str:
    if isinstance(node, YScalar):
        return node.text
    return "列表" if isinstance(node, YSeq) else "映射"


_POLICY_KEYS = ("id", "family", "label", "document", "title", "source", "effective", "verified")
_POLICY_OPTIONAL = ("issuer", "provisional_reason", "notes")
_CITE_OPTIONAL = ("article", "source", "document", "effective", "verified", "provisional_reason")


def load_policy_text(text: str, file: str) -> Policy:
    """Read one policy file's text (``file`` names it in errors)."""
    r = _Reader(file)
    root = r.mapping(
        load_yaml(text, file),
        "文件",
        ("policy", "criteria"),
        ("parameters", "inputs", "metrics", "indicators", "bands"),
    )
    head = r.mapping(root.items["policy"], "policy", _POLICY_KEYS, _POLICY_OPTIONAL)
    eff_from, eff_until = _effective(r, head.items["effective"])
    verified = r.boolean(head, "verified", True)
    reason = r.text(head, "provisional_reason")
    if not verified and not reason:
        raise r.err("provisional_without_reason", head.line, key="policy")
    base = Cited(
        document=r.text(head, "document"),
        article="",
        source=r.text(head, "source"),
        effective_from=eff_from,
        effective_until=eff_until,
        verified=verified,
        provisional_reason=reason,
    )
    scope = Scope()
    params = _parameters(r, root.items.get("parameters"), scope, base.document)
    inputs = _inputs(r, root.items.get("inputs"), scope, base.document)
    # provisional parameters make everything that uses them provisional
    unverified = {p.name: p.provisional_reason for p in params.values() if not p.verified}

    def cite_of(m: YMap, node: E.Node | None) -> Cited:
        return _cite(r, m, base, node, unverified)

    metrics: list[Metric] = []
    for m, _ in _items(
        r, root.items.get("metrics"), "metrics", ("id", "label", "expr"), ("unit", *_CITE_OPTIONAL)
    ):
        mid = _new_id(r, m, scope.metrics)
        node, kind = parse(r.text(m, "expr"), scope, Where(file, m.items["expr"].line, f"metrics.{mid}.expr"))
        if kind not in ("num", "root"):
            raise r.err(
                "type_mismatch", m.items["expr"].line, key=f"metrics.{mid}.expr", detail="指标值应为数值"
            )
        scope.metrics[mid] = kind
        metrics.append(Metric(mid, r.text(m, "label"), node, kind, r.text(m, "unit"), cite_of(m, node)))
    indicators: list[Indicator] = []
    for m, _ in _items(
        r, root.items.get("indicators"), "indicators", ("id", "label", "points", "max"), _CITE_OPTIONAL
    ):
        iid = _new_id(r, m, scope.indicators)
        where = Where(file, m.items["points"].line, f"indicators.{iid}.points")
        node, kind = parse(r.text(m, "points"), scope, where)
        if kind != "num":
            raise where.error("type_mismatch", detail="得分应为数值")
        scope.indicators[iid] = "num"
        indicators.append(
            Indicator(iid, r.text(m, "label"), node, r.decimal(m.items["max"], "max"), cite_of(m, node))
        )
    scope.has_score = bool(indicators)
    bands: list[BandDef] = []
    for m, _ in _items(r, root.items.get("bands"), "bands", ("id", "label", "of", "scale"), _CITE_OPTIONAL):
        bid = _new_id(r, m, {b.id: "str" for b in bands})
        where = Where(file, m.items["of"].line, f"bands.{bid}.of")
        node, kind = parse(r.text(m, "of"), scope, where)
        if kind != "num":
            raise where.error("type_mismatch", detail="分档对象应为数值")
        scale_name = r.text(m, "scale").removeprefix("param.")
        if scope.params.get(scale_name) != "scale" or "band" not in scope.scale_outputs[scale_name]:
            scales = [p for p, k in scope.params.items() if k == "scale"]
            raise r.err(
                "unknown_reference",
                m.items["scale"].line,
                key=f"bands.{bid}.scale",
                kind="带档次（band）的分档表",
                name=scale_name,
                allowed=names(scales) or "（无）",
            )
        bands.append(
            BandDef(
                bid, r.text(m, "label"), node, scale_name, cite_of(m, E.ScaleOf("band", node, scale_name))
            )
        )
    criteria: list[Criterion] = []
    crit_keys = ("id", "label", "test", "article")
    crit_optional = ("mandatory", "measure", "unit", "note", *_CITE_OPTIONAL[1:])
    for m, _ in _items(r, root.items["criteria"], "criteria", crit_keys, crit_optional):
        cid = _new_id(r, m, scope.criteria)
        if cid in E.ENTERPRISE_FIELDS:
            raise r.err("bad_value", m.key_lines["id"], key="id", value=cid, detail="不能与企业字段同名")
        text_ = r.text(m, "test")
        where = Where(file, m.items["test"].line, f"criteria.{cid}.test")
        node, kind = parse(text_, scope, where)
        if kind != "bool":
            raise where.error("type_mismatch", detail="条件（test）应为真/假判断，如 x >= param.y")
        cite = cite_of(m, node)
        # a criterion built on unverified criteria is itself unverified
        for kind_, name in E.refs_used(node):
            if kind_ == "criterion":
                dep = next(c for c in criteria if c.id == name)
                if not dep.verified and cite.verified:
                    cite = _replace_cite(cite, False, dep.cite.provisional_reason)
        scope.criteria[cid] = "bool"
        template = r.text(m, "label")
        label_params = _label_params(r, template, m.items["label"].line, f"criteria.{cid}.label", params)
        criteria.append(
            Criterion(
                id=cid,
                label=render_label(
                    template, {n: (k, u, params[n].values[-1][1]) for n, k, u in label_params}
                ),
                label_template=template,
                label_params=label_params,
                test=node,
                text=text_,
                cite=cite,
                mandatory=r.boolean(m, "mandatory", True),
                measure=r.text(m, "measure"),
                unit=r.text(m, "unit"),
                note=r.text(m, "note"),
                line=m.line,
            )
        )
    return Policy(
        id=r.ident(head, "id"),
        family=r.ident(head, "family"),
        label=r.text(head, "label"),
        document=base.document,
        title=r.text(head, "title"),
        issuer=r.text(head, "issuer"),
        source=base.source,
        effective_from=eff_from,
        effective_until=eff_until,
        verified=verified,
        provisional_reason=reason,
        notes=r.text(head, "notes"),
        file=file,
        parameters=params,
        inputs=inputs,
        metrics=tuple(metrics),
        indicators=tuple(indicators),
        bands=tuple(bands),
        criteria=tuple(criteria),
    )


LABEL_HELP = "只能写 {param.参数名}，如 {param.revenue_min}；标签中不能单独使用 { 或 }"


def _label_params(
    r: _Reader, template: str, line: int, key: str, params: Mapping[str, Parameter]
) -> tuple[tuple[str, ParamKind, str], ...]:
    """The parameters a label's placeholders name, checked: ``{param.NAME}`` of a parameter of
    the policy, nothing else between braces, no brace on its own."""
    out: dict[str, tuple[str, ParamKind, str]] = {}
    for m in PLACEHOLDER.finditer(template):
        inner = m.group(1)
        name = inner.removeprefix("param.")
        if not inner.startswith("param.") or not name:
            raise r.err("bad_label", line, key=key, placeholder=m.group(0), detail=LABEL_HELP)
        if name not in params:
            raise r.err(
                "unknown_reference", line, key=key, kind="参数", name=name, allowed=names(params) or "（无）"
            )
        out[name] = (name, params[name].kind, params[name].unit)
    rest = PLACEHOLDER.sub("", template)
    for brace in ("{", "}"):
        if brace in rest:
            raise r.err("bad_label", line, key=key, placeholder=brace, detail=LABEL_HELP)
    return tuple(out.values())


def _replace_cite(c: Cited, verified: bool, reason: str) -> Cited:
    return Cited(c.document, c.article, c.source, c.effective_from, c.effective_until, verified, reason)


def _effective(r: _Reader, node: YNode) -> tuple[date, date | None]:
    m = r.mapping(node, "effective", ("from",), ("until",))
    start = r.date_value(m, "from")
    if start is None:
        raise r.err("missing_key", m.line, where="effective", key="from")
    return start, r.date_value(m, "until")


def _items(
    r: _Reader, node: YNode | None, key: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> list[tuple[YMap, int]]:
    if node is None:
        return []
    return [(r.mapping(item, key, required, optional), i) for i, item in enumerate(r.seq(node, key).items)]


def _new_id(r: _Reader, m: YMap, seen: Mapping[str, Any]) -> str:
    ident = r.ident(m, "id")
    if ident in seen:
        raise r.err("duplicate_id", m.key_lines["id"], key=ident)
    return ident


def _cite(r: _Reader, m: YMap, base: Cited, node: E.Node | None, unverified: Mapping[str, str]) -> Cited:
    eff_from, eff_until = base.effective_from, base.effective_until
    if "effective" in m.items:
        eff_from, eff_until = _effective(r, m.items["effective"])
    verified = r.boolean(m, "verified", True) and base.verified
    reason = r.text(m, "provisional_reason") or (base.provisional_reason if not base.verified else "")
    if "verified" in m.items and not verified and not reason:
        raise r.err("provisional_without_reason", m.key_lines["verified"], key=r.text(m, "id"))
    if node is not None:
        for p in sorted(E.params_used(node)):
            if p in unverified and verified:
                verified, reason = False, unverified[p]
    return Cited(
        document=_document(r, m, base.document),
        article=r.text(m, "article"),
        source=r.text(m, "source", base.source),
        effective_from=eff_from,
        effective_until=eff_until,
        verified=verified,
        provisional_reason=reason,
    )


def _document(r: _Reader, m: YMap, default: str) -> str:
    """A rule's own issuing document (``document:``), where it is not the policy's: non-empty text."""
    if "document" not in m.items:
        return default
    value = r.text(m, "document").strip()
    if not value:
        raise r.err(
            "bad_value",
            m.key_lines["document"],
            key="document",
            value="",
            detail="应写明文号，如 国科发火〔2016〕195号",
        )
    return value


def _parameters(r: _Reader, node: YNode | None, scope: Scope, document: str) -> dict[str, Parameter]:
    if node is None:
        return {}
    if not isinstance(node, YMap):
        raise r.err("bad_type", node.line, key="parameters", expected="映射", value=_show(node))
    out: dict[str, Parameter] = {}
    for name, pnode in node.items.items():
        m = r.mapping(
            pnode,
            f"parameters.{name}",
            ("label", "values"),
            ("type", "unit", "article", "document", "source", "verified", "provisional_reason"),
        )
        type_name = r.text(m, "type", "number")
        if type_name not in _PARAM_TYPES:
            raise r.err(
                "bad_value",
                m.key_lines["type"],
                key="type",
                value=type_name,
                detail=f"可选：{names(_PARAM_TYPES)}",
            )
        kind = _PARAM_TYPES[type_name]
        vals = m.items["values"]
        if not isinstance(vals, YMap):
            raise r.err(
                "bad_type",
                vals.line,
                key=f"parameters.{name}.values",
                expected="以日期为键的映射",
                value=_show(vals),
            )
        if not vals.items:
            raise r.err("missing_key", vals.line, where=f"parameters.{name}.values", key="YYYY-MM-DD")
        dated = []
        for key, vnode in vals.items.items():
            when = r.date_of(key, vals.key_lines[key], f"parameters.{name}.values")
            dated.append((when, _param_value(r, kind, vnode, f"parameters.{name}")))
        verified = r.boolean(m, "verified", True)
        reason = r.text(m, "provisional_reason")
        if not verified and not reason:
            raise r.err("provisional_without_reason", m.line, key=f"parameters.{name}")
        out[name] = Parameter(
            name=name,
            label=r.text(m, "label"),
            kind=kind,
            values=tuple(sorted(dated, key=lambda dv: dv[0])),
            unit=r.text(m, "unit"),
            article=r.text(m, "article"),
            source=r.text(m, "source"),
            verified=verified,
            provisional_reason=reason,
            document=_document(r, m, document),
        )
        scope.params[name] = kind
        if kind == "scale":
            scales = [v for _, v in dated]
            outputs = scales[0].outputs
            for s in scales[1:]:
                if s.outputs != outputs:
                    raise r.err("bad_scale", m.line, key=name, detail="各日期的分档表列不一致")
            scope.scale_outputs[name] = outputs
    return out


def _param_value(r: _Reader, kind: ParamKind, node: YNode, key: str) -> Any:
    if kind == "scale":
        return _scale(r, node, key)
    if not isinstance(node, YScalar) or node.value is None:
        raise r.err("bad_type", node.line, key=key, expected="单个取值", value=_show(node))
    if kind == "num":
        return r.decimal(node, key)
    if kind == "bool":
        if not isinstance(node.value, bool):
            raise r.err("bad_type", node.line, key=key, expected="true 或 false", value=node.text)
        return node.value
    if kind == "date":
        return r.date_of(node.text, node.line, key)
    return node.text


def _scale(r: _Reader, node: YNode, key: str) -> Scale:
    rows = r.seq(node, key)
    brackets: list[Bracket] = []
    direction = ""
    for i, item in enumerate(rows.items):
        m = r.mapping(item, key, (), (*_BOUNDS, "points", "band", "value"))
        bounds = [b for b in _BOUNDS if b in m.items]
        if len(bounds) > 1:
            raise r.err("bad_scale", m.line, key=key, detail="每档只能有一个界限（min/above/max/below）")
        last = i == len(rows.items) - 1
        if last != (not bounds):
            raise r.err("bad_scale", m.line, key=key, detail="只有最后一档不写界限（其余情况）")
        op = bound = None
        if bounds:
            op, bound = _BOUNDS[bounds[0]], r.decimal(m.items[bounds[0]], bounds[0])
            d = "down" if op in (">=", ">") else "up"
            if direction and d != direction:
                raise r.err(
                    "bad_scale", m.line, key=key, detail="界限方向不一致（min/above 与 max/below 不能混用）"
                )
            prev = brackets[-1].bound if brackets else None
            if prev is not None and ((d == "down" and bound > prev) or (d == "up" and bound < prev)):
                raise r.err(
                    "bad_scale",
                    m.line,
                    key=key,
                    detail=f"界限 {bound} 顺序有误（应依次{'递减' if d == 'down' else '递增'}）",
                )
            direction = d
        points = None
        if "points" in m.items:
            pnode = m.items["points"]
            if isinstance(pnode, YSeq):
                if len(pnode.items) != 2:
                    raise r.err("bad_scale", pnode.line, key=key, detail="分值区间应为 [低, 高]")
                lo, hi = (r.decimal(n, "points") for n in pnode.items)
                if lo > hi:
                    raise r.err("bad_scale", pnode.line, key=key, detail="分值区间应为 [低, 高]")
                points = (lo, hi)
            else:
                p = r.decimal(pnode, "points")
                points = (p, p)
        band = r.text(m, "band") or None
        value = r.decimal(m.items["value"], "value") if "value" in m.items else None
        if points is None and band is None and value is None:
            raise r.err("bad_scale", m.line, key=key, detail="每档至少要有 points、band 或 value 之一")
        brackets.append(Bracket(op, bound, points, band, value))
    if not brackets:
        raise r.err("bad_scale", rows.line, key=key, detail="分档表为空")
    scale = Scale(tuple(brackets))
    for b in brackets:
        if {k for k in ("points", "band", "value") if getattr(b, k) is not None} != scale.outputs:
            raise r.err("bad_scale", rows.line, key=key, detail="各档的列（points/band/value）应一致")
    return scale


def _inputs(r: _Reader, node: YNode | None, scope: Scope, document: str) -> dict[str, Input]:
    if node is None:
        return {}
    if not isinstance(node, YMap):
        raise r.err("bad_type", node.line, key="inputs", expected="映射", value=_show(node))
    out: dict[str, Input] = {}
    for name, inode in node.items.items():
        m = r.mapping(inode, f"inputs.{name}", ("label", "type"), ("article", "document", "unit"))
        type_name = r.text(m, "type")
        if type_name not in _INPUT_TYPES:
            raise r.err(
                "bad_value",
                m.key_lines["type"],
                key="type",
                value=type_name,
                detail=f"可选：{names(_INPUT_TYPES)}",
            )
        out[name] = Input(
            name,
            r.text(m, "label"),
            _INPUT_TYPES[type_name],
            r.text(m, "article"),
            r.text(m, "unit"),
            _document(r, m, document),
        )
        scope.inputs[name] = _INPUT_TYPES[type_name]
    return out


#: what-if numbers must stay below this (as amounts in the dossier: 10¹⁴), so every engine can hold them
MAX_OVERRIDE = Decimal(10) ** 14
OVERRIDE_TOO_LARGE = "数值过大或位数过多，超出系统可处理的范围（绝对值应小于10¹⁴）"


def _numbers(value: Any) -> Iterator[Any]:
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        yield value
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _numbers(v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _numbers(getattr(value, f.name))


def parse_override(param: Parameter, text: str, name: str) -> Any:
    """A scenario value (YAML text, e.g. ``20`` or ``[{min: 0.3, points: 20}, {points: 0}]``).

    Numbers of 10¹⁴ and more (``1e400``, 5 000 digits) are refused like a bad value.
    """
    r = _Reader(f"<{name}>")
    shown = text if len(text) <= 60 else text[:60] + "…"
    try:
        node = load_yaml(text, f"<{name}>")
        value = _param_value(r, param.kind, node, name)
    except PolicyError as exc:
        raise RulesError("bad_override", name=name, value=shown, detail=exc.message) from None
    except ValueError:  # e.g. an integer of more than 4 300 digits
        raise RulesError("bad_override", name=name, value=shown, detail=OVERRIDE_TOO_LARGE) from None
    for number in _numbers(value):
        if not Decimal(number).is_finite() or abs(Decimal(number)) >= MAX_OVERRIDE:
            raise RulesError("bad_override", name=name, value=shown, detail=OVERRIDE_TOO_LARGE)
    return value


# --- the library ------------------------------------------------------------------------------


def default_path() -> Path:
    import lingjun.policies

    return Path(lingjun.policies.__file__).parent


def load_library(path: str | Path | None = None) -> Library:
    """Load every ``*.yaml`` policy under ``path`` (default: the packaged ``lingjun/policies``)."""
    root = Path(path) if path is not None else default_path()
    lib = Library(root=root)
    for file in sorted(root.rglob("*.yaml")):
        text = file.read_text(encoding="utf-8")
        name = str(file.relative_to(root.parent)) if path is None else str(file)
        policy = load_policy_text(text, name)
        if policy.id in lib.policies:
            raise PolicyError("duplicate_id", file=name, line=1, key=policy.id)
        lib.policies[policy.id] = policy
    return lib


_LIBRARY: Library | None = None


def default_library() -> Library:
    """The packaged policies, loaded once per process."""
    global _LIBRARY
    if _LIBRARY is None:
        _LIBRARY = load_library()
    return _LIBRARY


__all__ = ["default_library", "load_library", "load_policy_text", "parse_override", "plain"]
