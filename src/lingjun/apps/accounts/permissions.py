"""The permission matrix (权限矩阵): role × action × scope, declared once.

Every view, template, CLI command and API endpoint asks this module, never a role by name:

* :func:`scope_of` — how far ``user`` may take ``action``: 全区 (district), 本镇街园区 (division),
  本部门 (department), 本企业 (own) or not at all (none). The selectors of each app turn a scope
  into rows (an enterprise outside it is a 404, as if it did not exist).
* :func:`can` — whether ``user`` may take ``action`` at all (the scope is not none).
* :func:`restricted_fields` — dossier fields a role may not change itself (its 镇街/园区, credit
  flags an officer set, qualifications issued by an authority): such a change goes to an officer
  as a request (:mod:`lingjun.apps.enterprises` ``change requests``).
* :func:`requires` — the view decorator: login, then the action of the request's method, else 403.
  It records the actions on the view, so the URL × role × method test compares every URL pattern
  with this matrix.
* :func:`public` — the other, explicit declaration: a page anybody may open without a login
  (the published lists). The same test checks it answers everyone, logged in or not.

Actions of the capabilities still to come (recognition, funds, tasks, requests) are declared here
already, so that their pages only have to ask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseNotAllowed
from django.http.response import HttpResponseBase

from lingjun.apps.accounts.models import Role, User


class Scope(StrEnum):
    """How far an action reaches, from nothing to the whole district."""

    NONE = "none"
    OWN = "own"  # 本企业: the enterprise user's own enterprise
    DEPARTMENT = "department"  # 本部门: what is assigned or routed to the liaison's department
    DIVISION = "division"  # 本镇街园区: the town officer's 镇街 and/or 园区
    DISTRICT = "district"  # 全区


SCOPE_LABELS = {
    Scope.NONE: "无",
    Scope.OWN: "本企业",
    Scope.DEPARTMENT: "本部门",
    Scope.DIVISION: "本镇街园区",
    Scope.DISTRICT: "全区",
}


@dataclass(frozen=True)
class Action:
    code: str
    label: str


#: every action of the platform, in the order the matrix is shown
ACTIONS: tuple[Action, ...] = (
    Action("home.view", "首页"),
    Action("account.password", "修改本人密码"),
    Action("notifications.view", "查看本人消息"),
    Action("enterprise.view", "查看企业档案"),
    Action("enterprise.edit", "修改企业档案"),
    Action("enterprise.edit_restricted", "修改所属镇街园区、信用情况、资质"),
    Action("enterprise.review_change", "审核企业信息变更申请"),
    Action("enterprise.import", "导入企业档案"),
    Action("enterprise.export", "导出企业档案"),
    Action("evaluation.view", "查看评价结果"),
    Action("evaluation.run", "发起评价"),
    Action("evaluation.self", "企业自评"),
    # recognition (评价认定)
    Action("recognition.view", "查看评价认定申报"),
    Action("recognition.queue", "评价认定办理队列"),
    Action("recognition.batch", "管理评价批次"),
    Action("recognition.apply", "企业申报"),
    Action("recognition.recommend", "镇街园区推荐"),
    Action("recognition.review", "区科技局审查"),
    Action("recognition.municipal_result", "录入市级评审结果"),
    Action("recognition.publish", "发布公示公告名单"),
    # membership (入库企业动态管理)
    Action("membership.view", "查看入库企业"),
    Action("membership.manage", "管理入库企业（出库、复核）"),
    Action("membership.annual_update", "企业年度信息更新"),
    # funds (资金扶持)
    Action("funds.claim", "企业申请扶持资金"),
    Action("funds.review", "审核扶持资金"),
    Action("funds.approve", "审批扶持资金"),
    Action("funds.disburse", "拨付扶持资金"),
    Action("funds.view", "查看扶持资金预算、台账与报表"),
    Action("funds.budget", "安排和调整扶持资金预算"),
    Action("funds.confirm_amount", "确认暂定扶持金额"),
    # the programme's tasks and the enterprises' requests
    Action("tasks.view", "查看任务进度"),
    Action("tasks.report", "报送任务进度"),
    Action("tasks.remind", "催报任务进度"),
    # the programme's targets and growth monitoring (plan)
    Action("plan.view", "查看计划目标完成情况"),
    Action("plan.record_actual", "录入目标完成值"),
    Action("monitoring.view", "查看成长性监测预警"),
    Action("monitoring.run", "重新计算成长性监测"),
    Action("requests.submit", "提交企业诉求"),
    Action("requests.handle", "办理企业诉求"),
    # cultivation (培育服务)
    Action("cultivation.view", "查看培育差距与培育方案"),
    Action("cultivation.plan", "制定培育方案、记录走访"),
    # administration
    Action("users.manage", "用户与权限管理"),
    Action("audit.view", "查看审计日志"),
)
ACTION_CODES = frozenset(a.code for a in ACTIONS)

_A, _S, _T, _E = Role.DISTRICT_ADMIN, Role.DISTRICT_STAFF, Role.TOWN_OFFICER, Role.ENTERPRISE
_V, _F, _D = Role.EVALUATOR, Role.FINANCE, Role.DEPARTMENT
_ALL, _DIV, _OWN, _DEP = Scope.DISTRICT, Scope.DIVISION, Scope.OWN, Scope.DEPARTMENT

#: the matrix: action -> {role: scope}; a role not named has no access (Scope.NONE)
MATRIX: Mapping[str, Mapping[Role, Scope]] = {
    "home.view": {_A: _ALL, _S: _ALL, _T: _DIV, _E: _OWN, _V: _ALL, _F: _ALL, _D: _DEP},
    # one's own password: whoever may log in and open the home page
    "account.password": {_A: _ALL, _S: _ALL, _T: _DIV, _E: _OWN, _V: _ALL, _F: _ALL, _D: _DEP},
    "notifications.view": {_A: _ALL, _S: _ALL, _T: _DIV, _E: _OWN, _V: _ALL, _F: _ALL, _D: _DEP},
    "enterprise.view": {_A: _ALL, _S: _ALL, _T: _DIV, _E: _OWN, _V: _ALL, _F: _ALL},
    "enterprise.edit": {_A: _ALL, _S: _ALL, _E: _OWN},
    "enterprise.edit_restricted": {_A: _ALL, _S: _ALL},
    "enterprise.review_change": {_A: _ALL, _S: _ALL, _T: _DIV},
    "enterprise.import": {_A: _ALL, _S: _ALL},
    "enterprise.export": {_A: _ALL, _S: _ALL, _T: _DIV, _E: _OWN, _V: _ALL, _F: _ALL},
    "evaluation.view": {_A: _ALL, _S: _ALL, _T: _DIV, _E: _OWN, _V: _ALL, _F: _ALL},
    "evaluation.run": {_A: _ALL, _S: _ALL, _V: _ALL},
    "evaluation.self": {_A: _ALL, _S: _ALL, _T: _DIV, _E: _OWN, _V: _ALL, _F: _ALL},
    "recognition.view": {_A: _ALL, _S: _ALL, _T: _DIV, _E: _OWN, _V: _ALL},
    "recognition.queue": {_A: _ALL, _S: _ALL, _T: _DIV, _V: _ALL},
    "recognition.batch": {_A: _ALL, _S: _ALL},
    "recognition.apply": {_E: _OWN},
    "recognition.recommend": {_T: _DIV},
    "recognition.review": {_A: _ALL, _S: _ALL},
    "recognition.municipal_result": {_V: _ALL},
    "recognition.publish": {_A: _ALL, _S: _ALL, _V: _ALL},
    "membership.view": {_A: _ALL, _S: _ALL, _T: _DIV, _E: _OWN, _V: _ALL},
    "membership.manage": {_A: _ALL, _S: _ALL},
    "membership.annual_update": {_E: _OWN},
    "funds.claim": {_E: _OWN},
    "funds.review": {_A: _ALL, _S: _ALL},
    "funds.approve": {_F: _ALL},
    "funds.disburse": {_F: _ALL},
    "funds.view": {_A: _ALL, _S: _ALL, _F: _ALL},
    "funds.budget": {_A: _ALL, _S: _ALL, _F: _ALL},
    "funds.confirm_amount": {_A: _ALL, _S: _ALL},
    "tasks.view": {_A: _ALL, _S: _ALL, _F: _ALL, _D: _DEP},
    "tasks.report": {_D: _DEP},
    "tasks.remind": {_A: _ALL, _S: _ALL},
    "plan.view": {_A: _ALL, _S: _ALL, _T: _DIV, _V: _ALL, _F: _ALL},
    "plan.record_actual": {_A: _ALL, _S: _ALL},
    "monitoring.view": {_A: _ALL, _S: _ALL, _T: _DIV, _V: _ALL},
    "monitoring.run": {_A: _ALL, _S: _ALL},
    "requests.submit": {_E: _OWN},
    "requests.handle": {_A: _ALL, _S: _ALL, _T: _DIV, _D: _DEP},
    "cultivation.view": {_A: _ALL, _S: _ALL, _T: _DIV, _E: _OWN},
    "cultivation.plan": {_A: _ALL, _S: _ALL, _T: _DIV},
    "users.manage": {_A: _ALL},
    "audit.view": {_A: _ALL},
}

#: dossier fields a role may not change by itself (``section.field``; ``section.*`` for a whole
#: list section): an enterprise user's 镇街/园区 (it would leave its officer's sight), the credit
#: flags an officer set, and qualifications issued by an authority. Officers with
#: ``enterprise.edit_restricted`` change them; an enterprise asks for it (a change request).
RESTRICTED_FIELDS: tuple[str, ...] = (
    "enterprise.town",
    "enterprise.park",
    "enterprise.abnormal_operation",
    "enterprise.serious_dishonesty",
    "enterprise.research_misconduct_years",
    "enterprise.major_accident_years",
    "qualifications.*",
)

UNKNOWN_ACTION = "权限矩阵中没有动作“{action}”。"


def _check(action: str) -> str:
    if action not in ACTION_CODES:
        raise KeyError(UNKNOWN_ACTION.format(action=action))
    return action


def scope_of(user: Any, action: str) -> Scope:
    """How far ``user`` may take ``action`` (``Scope.NONE``: not at all).

    Anonymous and inactive users have no access; a superuser (the district admin of the back
    office) has the whole district for every action the matrix gives the district admin, and only
    those (a superuser is not an enterprise: it cannot apply or claim for one).
    """
    rules = MATRIX[_check(action)]
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope.NONE
    if user.is_superuser:
        return rules.get(Role.DISTRICT_ADMIN, Scope.NONE)
    try:
        role = Role(user.role)
    except ValueError:
        return Scope.NONE
    scope = rules.get(role, Scope.NONE)
    # a jurisdiction-bound role without its jurisdiction reaches nothing
    if scope == Scope.OWN and not user.enterprise_id:
        return Scope.NONE
    if scope == Scope.DIVISION and not (user.town or user.park):
        return Scope.NONE
    if scope == Scope.DEPARTMENT and not user.department:
        return Scope.NONE
    return scope


def can(user: Any, action: str) -> bool:
    """Whether ``user`` may take ``action`` at all."""
    return scope_of(user, action) != Scope.NONE


def restricted_fields(user: Any) -> frozenset[str]:
    """The dossier fields ``user`` may not change itself (empty for officers who may)."""
    if can(user, "enterprise.edit_restricted"):
        return frozenset()
    return frozenset(RESTRICTED_FIELDS)


def field_is_restricted(restricted: frozenset[str], section: str, field: str) -> bool:
    return f"{section}.{field}" in restricted or f"{section}.*" in restricted


def roles_for(action: str) -> dict[Role, Scope]:
    """The roles that may take ``action``, with their scope (for the matrix page and the docs)."""
    return {role: scope for role, scope in MATRIX[_check(action)].items() if scope != Scope.NONE}


def matrix_markdown() -> str:
    """The matrix as a Markdown table (actions × roles, each cell the scope): ``docs/permissions.md``
    holds it, and a test keeps the two equal."""
    roles = list(Role)
    lines = [
        "| 动作 | " + " | ".join(r.label for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action in ACTIONS:
        cells = [SCOPE_LABELS[MATRIX[action.code].get(r, Scope.NONE)] for r in roles]
        lines.append(
            f"| {action.label}（`{action.code}`） | "
            + " | ".join(c if c != "无" else "—" for c in cells)
            + " |"
        )
    return "\n".join(lines)


V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def requires(action: str | None = None, **by_method: str) -> Callable[[V], V]:
    """A view that needs a login and an action: ``@requires("enterprise.view")`` for GET (and
    HEAD), or per method: ``@requires(get="enterprise.view", post="enterprise.import")``.

    Anonymous users go to the login page; a user without the action gets 403; a method the view
    does not declare gets 405. The declared actions are kept on the view as ``permission_actions``
    (method -> action) for the URL × role × method test.
    """
    actions = {m.upper(): _check(a) for m, a in by_method.items()}
    if action is not None:
        actions.setdefault("GET", _check(action))
    if "GET" in actions:
        actions.setdefault("HEAD", actions["GET"])

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in actions:
                return HttpResponseNotAllowed(sorted(actions))
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, actions[request.method]):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.permission_actions = dict(actions)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def public(*methods: str) -> Callable[[V], V]:
    """A page anybody may open, without logging in: ``@public()`` (GET and HEAD) or
    ``@public("get", "post")``. The published lists (``/public/``) are such pages: they show
    only what a notice shows. A method not named gets 405. The view keeps the methods as
    ``permission_public``, which the URL × role × method test recognises (a page is either
    ``@requires`` or ``@public``, never neither)."""
    allowed = {m.upper() for m in (methods or ("get",))}
    if "GET" in allowed:
        allowed.add("HEAD")

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in allowed:
                return HttpResponseNotAllowed(sorted(allowed))
            return view(request, *args, **kwargs)

        wrapped.permission_public = frozenset(allowed)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def request_user(request: HttpRequest) -> User:
    """The logged-in platform user of a request that passed :func:`requires`."""
    user = request.user
    assert isinstance(user, User)
    return user
