"""Reads of plan: the targets' actuals counted live from the pool, by year, town, park and
industry; the hand-entered actuals; the programme dashboard of the home page.

Every count is set-based SQL (one grouped query per source table, conditional aggregation for the
yearly series), never a loop over enterprises. The sources:

* 高新技术企业 / 科技型中小企业: enterprises with a valid qualification of that kind on the day
  (:func:`lingjun.apps.enterprises.selectors.qualification_valid_on`);
* 雏鹰 / 瞪羚 / 科技领军（培育）: active memberships on the day
  (:func:`lingjun.apps.membership.selectors.active_memberships`), all behind :func:`measure_counts`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.db import connection

from lingjun.apps.accounts.permissions import Scope, can, scope_of
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.selectors import (
    qualification_rows,
)
from lingjun.apps.membership.models import Membership
from lingjun.apps.plan.catalog import (
    MEASURE_QUALIFICATIONS,
    MEASURE_TIERS,
    Period,
    Target,
    Task,
    period_for,
    task_catalog,
)
from lingjun.apps.plan.growth import WARNINGS
from lingjun.apps.plan.models import TargetActual, TaskReport
from lingjun.apps.plan.projection import Projection, project
from lingjun.apps.workdays.services import WorkdaysUnknown, workday_add

#: the breakdowns of the dashboard: dimension -> the enterprise column (industry: 门类 + 大类, "C35")
DIMENSIONS = {"town": "镇街", "park": "园区", "industry": "行业"}
#: how many years back the trend goes (at most; never before the period's start year - 1)
TREND_YEARS = 6


@dataclass(frozen=True)
class Jurisdiction:
    """Whose enterprises are counted: a town officer's 镇街 and/or 园区 (as
    :func:`lingjun.apps.enterprises.selectors.enterprises_visible_to` scopes them)."""

    town: str = ""
    park: str = ""

    def sql(self, alias: str) -> tuple[str, list[str]]:
        parts = [
            (f"{alias}.{column} = %s", value)
            for column, value in (("town", self.town), ("park", self.park))
            if value
        ]
        if not parts:
            return "1 = 0", []
        return "(" + " OR ".join(p for p, _ in parts) + ")", [v for _, v in parts]


@dataclass
class PoolFigures:
    series: dict[str, list[int]]  # measure -> the count on each day
    breakdowns: dict[str, dict[str, dict[str, int]]]  # dimension -> measure -> key -> count (last day)


def _valid_sql(day: date, params: list[Any]) -> str:
    params.extend([day, day])
    return "(q.issued_on IS NULL OR q.issued_on <= %s) AND (q.expires_on IS NULL OR q.expires_on >= %s)"


def _active_sql(day: date, params: list[Any]) -> str:
    params.extend([day, day, day])
    return (
        "m.valid_from <= %s AND (m.valid_until IS NULL OR m.valid_until >= %s) "
        "AND (m.exited_on IS NULL OR m.exited_on > %s)"
    )


def _held_sql(qualification: str, days: list[date], params: list[Any], within: str = "") -> str:
    """The holders of one kind (the next parameter after the days'), one row per enterprise with a
    0/1 column per day (``f0``, ``f1``, …): held on that day. Read from the ``(kind, uscc,
    issued_on, expires_on)`` index alone, in ``uscc`` order (no sort, no table rows); ``within``:
    a condition on ``q.uscc`` (a jurisdiction's enterprises)."""
    flags = []
    for i, day in enumerate(days):
        flags.append(f"MAX(CASE WHEN {_valid_sql(day, params)} THEN 1 ELSE 0 END) AS f{i}")
    return (
        f"SELECT q.uscc AS uscc, {', '.join(flags)} FROM {qualification} q "
        f"WHERE q.kind = %s AND (q.expires_on IS NULL OR q.expires_on >= %s) {within} GROUP BY q.uscc"
    )


def _queries(
    days: list[date], jurisdiction: Jurisdiction | None
) -> list[tuple[str, list[Any], list[str], bool, bool]]:
    """The grouped queries of :func:`pool_figures`: (SQL, parameters, measures, whether its rows
    start with town, park and industry, whether each measure has a value per day (else: the last
    day's only))."""
    enterprise = Enterprise._meta.db_table
    qualification = qualification_rows().model._meta.db_table
    membership = Membership._meta.db_table
    where, scope_params, within = "", list[str](), ""
    if jurisdiction is not None:
        clause, scope_params = jurisdiction.sql("e")
        where = f"WHERE {clause}"
        # the jurisdiction's enterprises first (by the town or park index), their holdings after
        within = f"AND q.uscc IN (SELECT e.uscc FROM {enterprise} e WHERE {clause})"
    n = len(days)
    keys = "e.town, e.park, SUBSTR(e.industry_code, 1, 3)"
    out: list[tuple[str, list[Any], list[str], bool, bool]] = []
    for measure, kind in MEASURE_QUALIFICATIONS.items():
        params: list[Any] = []
        held = _held_sql(qualification, days, params, within)
        params += [kind, min(days), *scope_params]
        sums = ", ".join(f"SUM(f.f{i})" for i in range(n))
        if jurisdiction is None:  # the district: the yearly series need no enterprise row
            out.append((f"SELECT {sums} FROM ({held}) f", params, [measure], False, True))
        else:
            sql = f"SELECT {keys}, {sums} FROM ({held}) f JOIN {enterprise} e ON e.uscc = f.uscc GROUP BY 1, 2, 3"
            out.append((sql, params, [measure], True, True))
    if jurisdiction is None:  # the district's breakdown on the last day: each kind's holders, then
        # their enterprises (one pass over the enterprise table for both kinds)
        parts, params = [], []
        for i, kind in enumerate(MEASURE_QUALIFICATIONS.values()):
            marks = ", ".join(f"{int(i == j)} AS k{j}" for j in range(len(MEASURE_QUALIFICATIONS)))
            params.append(kind)
            valid = _valid_sql(days[-1], params)
            parts.append(
                f"SELECT q.uscc AS uscc, {marks} FROM {qualification} q "
                f"WHERE q.kind = %s AND {valid} GROUP BY q.uscc"
            )
        cols = ", ".join(f"SUM(f.k{j})" for j in range(len(MEASURE_QUALIFICATIONS)))
        sql = (
            f"SELECT {keys}, {cols} FROM ({' UNION ALL '.join(parts)}) f "
            f"JOIN {enterprise} e ON e.uscc = f.uscc GROUP BY 1, 2, 3"
        )
        out.append((sql, params, list(MEASURE_QUALIFICATIONS), True, False))
    m_params: list[Any] = []
    m_sums = []
    for tiers in MEASURE_TIERS.values():
        for day in days:
            m_params.extend(tiers)
            m_sums.append(
                f"SUM(CASE WHEN m.tier IN ({', '.join(['%s'] * len(tiers))}) AND {_active_sql(day, m_params)} "
                "THEN 1 ELSE 0 END)"
            )
    m_sql = (
        f"SELECT {keys}, {', '.join(m_sums)} "
        f"FROM {membership} m JOIN {enterprise} e ON e.id = m.enterprise_id {where} GROUP BY 1, 2, 3"
    )
    out.append((m_sql, [*m_params, *scope_params], list(MEASURE_TIERS), True, True))
    return out


def pool_figures(*, days: list[date], jurisdiction: Jurisdiction | None = None) -> PoolFigures:
    """The counted measures on each of ``days`` and, on the last day, by town, park and industry
    (门类 + 大类, ``C35``): grouped queries over the qualifications (each enterprise's holdings of
    a kind first reduced to one row, so none is counted twice; for the district the yearly series
    without the enterprise table and the breakdown of the last day apart) and one over the
    memberships."""
    series: dict[str, list[int]] = {}
    breakdowns: dict[str, dict[str, dict[str, int]]] = {d: defaultdict(dict) for d in DIMENSIONS}
    n = len(days)
    with connection.cursor() as cursor:
        for sql, params, measures, keyed, per_day in _queries(days, jurisdiction):
            cursor.execute(sql, params)
            width = n if per_day else 1
            totals = [0] * (width * len(measures))
            for row in cursor.fetchall():
                keys = {}
                values = row
                if keyed:
                    town, park, industry, *values = row
                    keys = {"town": town or "", "park": park or "", "industry": industry or ""}
                for j, v in enumerate(values):
                    totals[j] += int(v or 0)
                for k, measure in enumerate(measures):
                    today_count = int(values[k * width + width - 1] or 0)
                    if not today_count:
                        continue
                    for dimension, key in keys.items():
                        bucket = breakdowns[dimension][measure]
                        bucket[key] = bucket.get(key, 0) + today_count
            if per_day:
                for k, measure in enumerate(measures):
                    series[measure] = totals[k * n : (k + 1) * n]
    return PoolFigures(series, {d: dict(b) for d, b in breakdowns.items()})


def trend_days(*, period: Period, as_of: date) -> list[date]:
    """The days of the trend: 31 December of each year up to ``as_of``'s (that year: ``as_of``)."""
    first = max(period.starts_on.year - 1, as_of.year - TREND_YEARS + 1)
    return [date(y, 12, 31) for y in range(first, as_of.year)] + [as_of]


def manual_actuals(*, period: Period, as_of: date) -> dict[str, TargetActual]:
    """The newest hand-entered actual of each manual target, as of ``as_of``."""
    latest: dict[str, TargetActual] = {}
    rows = TargetActual.objects.filter(period=period.code, as_of__lte=as_of).select_related("entered_by")
    for row in rows.order_by("target", "-as_of", "-id"):
        latest.setdefault(row.target, row)
    return latest


@dataclass
class TargetProgress:
    target: Target
    actual: Decimal | int | None  # None: a manual target nobody entered yet
    percent: float | None
    series: list[int] = field(default_factory=list)  # counted targets: on each trend day
    projection: Projection | None = None
    entry: TargetActual | None = None  # manual targets: the entry counted

    @property
    def reached(self) -> bool:
        return self.actual is not None and self.actual >= self.target.value


@dataclass
class Dashboard:
    period: Period
    as_of: date
    days: list[date]
    targets: list[TargetProgress]
    breakdowns: dict[str, dict[str, dict[str, int]]]  # dimension -> measure -> key -> n
    scope_label: str  # 全区, or the officer's 镇街/园区
    district: bool


def _percent(actual: Decimal | int | None, value: int) -> float | None:
    if actual is None or value <= 0:
        return None
    return round(float(actual) * 100 / value, 1)


def dashboard(
    *, as_of: date, jurisdiction: Jurisdiction | None = None, scope_label: str = "全区"
) -> Dashboard:
    """The programme's dashboard on ``as_of``: each target with its actual, progress, trend and
    projection to the period's end; counts by town, park and industry."""
    period = period_for(as_of)
    days = trend_days(period=period, as_of=as_of)
    figures = pool_figures(days=days, jurisdiction=jurisdiction)
    series = figures.series
    manual = manual_actuals(period=period, as_of=as_of) if jurisdiction is None else {}
    rows = []
    for target in period.targets:
        if target.manual:
            entry = manual.get(target.code)
            actual = entry.value if entry is not None else None
            rows.append(TargetProgress(target, actual, _percent(actual, target.value), entry=entry))
            continue
        points = series[target.measure]
        trend = None
        if period.ends_on > as_of:
            trend = project([(d, float(v)) for d, v in zip(days, points, strict=True)], on=period.ends_on)
        rows.append(TargetProgress(target, points[-1], _percent(points[-1], target.value), points, trend))
    return Dashboard(period, as_of, days, rows, figures.breakdowns, scope_label, jurisdiction is None)


#: how long a computed dashboard is reused when nothing it counts has changed (seconds)
DASHBOARD_TTL = 60


def _pool_version() -> tuple[Any, ...]:
    """Cheap marks that move when what the dashboard counts changes: the newest dossier change,
    membership, exit and hand-entered actual (each an indexed MAX or COUNT)."""
    from django.db.models import Count, Max

    from lingjun.apps.enterprises.models import ChangeRecord, ImportBatch

    members = Membership.objects.aggregate(last=Max("id"), exits=Count("exited_on"))
    return (
        ChangeRecord.objects.aggregate(last=Max("id"))["last"],
        ImportBatch.objects.aggregate(last=Max("id"))["last"],
        members["last"],
        members["exits"],
        TargetActual.objects.aggregate(last=Max("id"))["last"],
    )


def dashboard_cached(*, as_of: date, jurisdiction: Jurisdiction | None, scope_label: str) -> Dashboard:
    """:func:`dashboard`, reused for up to :data:`DASHBOARD_TTL` seconds while the pool's marks
    (:func:`_pool_version`) stay the same: a change shows at the next page view."""
    import hashlib

    from django.core.cache import cache

    marks = f"{as_of}|{jurisdiction}|{_pool_version()}"
    key = "plan:dashboard:" + hashlib.sha256(marks.encode()).hexdigest()
    board: Dashboard | None = cache.get(key)
    if board is None:
        board = dashboard(as_of=as_of, jurisdiction=jurisdiction, scope_label=scope_label)
        cache.set(key, board, DASHBOARD_TTL)
    return board


def _user_scope(user: Any) -> tuple[Jurisdiction | None, str]:
    if scope_of(user, "plan.view") == Scope.DISTRICT:
        return None, "全区"
    label = "、".join(x for x in (user.town, user.park) if x)
    return Jurisdiction(town=user.town or "", park=user.park or ""), label


def home_context(*, user: Any, today: date) -> dict[str, Any] | None:
    """The home page's programme dashboard: the bureau's (全区) or a town officer's own."""
    if not can(user, "plan.view"):
        return None
    scope, label = _user_scope(user)
    board = dashboard_cached(as_of=today, jurisdiction=scope, scope_label=label)
    return {
        "board": board,
        "chart_data": chart_data(board),
        "can_record": can(user, "plan.record_actual"),
        **{f"breakdown_{d}": breakdown_table(board, d) for d in DIMENSIONS},
    }


def breakdown_table(board: Dashboard, dimension: str, *, limit: int = 30) -> dict[str, Any]:
    """A breakdown as a table: one column per counted target, rows by their total, largest first."""
    counted = [p.target for p in board.targets if not p.target.manual]
    data = board.breakdowns[dimension]
    keys = {k for m in data.values() for k in m}
    rows = [(k, [data.get(t.measure, {}).get(k, 0) for t in counted]) for k in keys]
    rows.sort(key=lambda r: (-sum(r[1]), r[0]))
    return {"labels": [t.label for t in counted], "rows": rows[:limit], "more": max(0, len(rows) - limit)}


def chart_data(board: Dashboard) -> dict[str, Any]:
    """What the charts draw (passed to the page with ``json_script``; the tables show the same)."""
    counted = [p for p in board.targets if not p.target.manual]
    town = board.breakdowns["town"]
    towns = sorted(
        {k for m in town.values() for k in m}, key=lambda k: -sum(m.get(k, 0) for m in town.values())
    )
    return {
        "progress": {
            "labels": [p.target.label for p in board.targets if p.actual is not None],
            "percent": [p.percent for p in board.targets if p.actual is not None],
        },
        "trend": {
            "days": [d.isoformat() for d in board.days],
            "series": [{"name": p.target.label, "data": p.series} for p in counted],
        },
        "towns": {
            "labels": [t or "未填报" for t in towns[:15]],
            "series": [
                {
                    "name": p.target.label,
                    "data": [town.get(p.target.measure, {}).get(t, 0) for t in towns[:15]],
                }
                for p in counted
            ],
        },
    }


# ------------------------------------------------------------------------------ task reports


@dataclass(frozen=True)
class ReportingPeriod:
    start: date
    end: date
    label: str  # 2026年第1季度
    due_on: date | None  # None: the working-day calendar of that year is not known yet
    due_problem: str = ""


def _quarter_of(day: date) -> tuple[date, date]:
    q = (day.month - 1) // 3
    start = date(day.year, q * 3 + 1, 1)
    end = date(day.year + (q == 3), (q * 3 + 3) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def reporting_periods(*, today: date, back: int = 4) -> list[ReportingPeriod]:
    """The periods a report may be given for: the current quarter and the ``back`` quarters
    before it, newest first; each due ``due_workdays`` working days after it ends."""
    catalog = task_catalog()
    out = []
    start, end = _quarter_of(today)
    for _ in range(back + 1):
        due: date | None = None
        problem = ""
        try:
            due = workday_add(start=end, days=catalog.due_workdays)
        except WorkdaysUnknown as unknown:
            problem = str(unknown)
        out.append(
            ReportingPeriod(start, end, f"{start.year}年第{(start.month - 1) // 3 + 1}季度", due, problem)
        )
        start, end = _quarter_of(start - timedelta(days=1))
    return out


@dataclass(frozen=True)
class Owed:
    task: Task
    department: str
    period: ReportingPeriod
    overdue: bool  # past due; else due within the window asked for


def task_overdue(*, today: date, soon_days: int = 0, department: str = "") -> list[Owed]:
    """Reports not given: past due (``overdue``), or due within ``soon_days`` days."""
    catalog = task_catalog()
    periods_ = [p for p in reporting_periods(today=today) if p.due_on is not None]
    given = set(
        TaskReport.objects.filter(period_start__in=[p.start for p in periods_]).values_list(
            "task", "department", "period_start"
        )
    )
    out = []
    for period in periods_:
        assert period.due_on is not None
        if period.due_on > today + timedelta(days=soon_days):
            continue
        for task in catalog.tasks:
            for dept in task.departments:
                if department and dept != department:
                    continue
                if (task.code, dept, period.start) not in given:
                    out.append(Owed(task, dept, period, overdue=period.due_on < today))
    return out


@dataclass
class TaskRow:
    task: Task
    reports: list[TaskReport]
    owed: list[Owed]


def tasks_board(*, today: date, department: str = "") -> list[TaskRow]:
    """Every task (or a department's) with its reports of the reporting periods and what is owed."""
    catalog = task_catalog()
    tasks = catalog.of_department(department) if department else catalog.tasks
    reports = TaskReport.objects.filter(task__in=[t.code for t in tasks]).select_related("submitted_by")
    if department:
        reports = reports.filter(department=department)
    by_task: dict[str, list[TaskReport]] = defaultdict(list)
    for r in reports.order_by("-period_start", "department"):
        by_task[r.task].append(r)
    owed: dict[str, list[Owed]] = defaultdict(list)
    for o in task_overdue(today=today, department=department):
        if o.overdue:
            owed[o.task.code].append(o)
    return [TaskRow(t, by_task[t.code], owed[t.code]) for t in tasks]


# -------------------------------------------------------------------------------- monitoring


def monitoring_dir() -> Path:
    return Path(settings.LINGJUN_HOME) / "monitoring"


def monitoring_latest() -> tuple[Path, date] | None:
    """The newest stored monitoring run (file, as-of day), if any."""
    files = sorted(monitoring_dir().glob("*.parquet")) if monitoring_dir().exists() else []
    if not files:
        return None
    return files[-1], date.fromisoformat(files[-1].stem)


def _where(user: Any, town: str, kind: str) -> tuple[str, list[Any]]:
    clauses, params = ["true"], []
    if scope_of(user, "monitoring.view") != Scope.DISTRICT:
        own = [f"{c} = ?" for c, v in (("town", user.town), ("park", user.park)) if v]
        clauses.append("(" + (" or ".join(own) or "false") + ")")
        params += [v for v in (user.town, user.park) if v]
    if town:
        clauses.append("coalesce(town, '') = ?")
        params.append(town)
    if kind:
        clauses.append(f"{kind}")
    else:
        clauses.append("(" + " or ".join(WARNINGS) + ")")
    return " and ".join(clauses), params


def watch_lists(*, user: Any, path: Path) -> list[dict[str, Any]]:
    """Per town: how many enterprises carry each warning (the user's jurisdiction only)."""
    where, params = _where(user, "", "")
    sums = ", ".join(f"sum({k}::int) as {k}" for k in WARNINGS)
    with duckdb.connect() as con:
        rows = con.execute(
            f"select coalesce(town, '') as town, count(*) as n, {sums} from read_parquet(?) where {where} "
            "group by 1 order by n desc, town",
            [str(path), *params],
        ).fetchall()
    return [dict(zip(["town", "n", *WARNINGS], r, strict=True)) for r in rows]


def growth_summary(*, user: Any, path: Path) -> dict[str, Any]:
    """Counts over the user's jurisdiction: enterprises, high-growth, gazelles, each warning."""
    where, params = _where(user, "", "")
    base = where.rsplit(" and ", 1)[0]  # without "any warning"
    sums = ", ".join(f"sum({k}::int)" for k in ("high_growth", "gazelle", *WARNINGS))
    with duckdb.connect() as con:
        row = con.execute(
            f"select count(*), {sums} from read_parquet(?) where {base}", [str(path), *params]
        ).fetchone()
    assert row is not None
    keys = ["enterprises", "high_growth", "gazelle", *WARNINGS]
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}


WARNING_COLUMNS = (
    "uscc", "name", "town", "park", "tier", "data_year", "rev1", "rev2", "revenue", "revenue_cagr",
    "sales_growth", "net_asset_growth", "rd_intensity", "rd_threshold", "staff_growth", "high_growth",
    "gazelle", "revenue_falling", "rd_below", "expiring", "expires_on", "expiring_what", "annual_missing",
)  # fmt: skip


def warnings_page(
    *, user: Any, path: Path, town: str = "", kind: str = "", page: int = 1, per_page: int = 50
) -> tuple[list[dict[str, Any]], bool]:
    """A page of the enterprises with a warning (``kind``: one of them), with the figures behind
    it and the enterprise's id for the link; and whether there is a next page."""
    if kind and kind not in WARNINGS:
        kind = ""
    where, params = _where(user, town, kind)
    with duckdb.connect() as con:
        rows = con.execute(
            f"select {', '.join(WARNING_COLUMNS)} from read_parquet(?) where {where} "
            "order by town, name, uscc limit ? offset ?",
            [str(path), *params, per_page + 1, (page - 1) * per_page],
        ).fetchall()
    found = [dict(zip(WARNING_COLUMNS, r, strict=True)) for r in rows[:per_page]]
    ids = dict(Enterprise.objects.filter(uscc__in=[r["uscc"] for r in found]).values_list("uscc", "pk"))
    for r in found:
        r["pk"] = ids.get(r["uscc"])
        r["warnings"] = [WARNINGS[k] for k in WARNINGS if r[k]]
    return found, len(rows) > per_page


def tasks_home_context(*, user: Any, today: date) -> dict[str, Any] | None:
    """A liaison's home: the department's tasks and what is overdue or due soon."""
    if scope_of(user, "tasks.report") != Scope.DEPARTMENT:
        return None
    owed = task_overdue(today=today, soon_days=14, department=user.department)
    return {
        "department": user.department,
        "owed": owed,
        "tasks": task_catalog().of_department(user.department),
    }
