"""The ``lingjun`` command line (Typer + Rich). Each command parses, calls one service, prints.

Every command that touches the pool honours ``DATABASE_URL`` (default: the embedded SQLite file
under ``LINGJUN_HOME``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="领军：武清区创新型企业领军计划管理平台命令行。", no_args_is_help=True, add_completion=False
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DEFAULT_DEMO_ENTERPRISES = 3000
DEFAULT_SEED = 2019


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lingjun.settings")
    import django

    django.setup()


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def _data_year(today: date) -> int:
    """The last complete data year: figures of year Y are filed in Y+1."""
    return today.year - 1


@app.command()
def migrate() -> None:
    """创建或升级数据库表结构，并载入镇街园区名录。"""
    _django()
    from django.core.management import call_command

    from lingjun.apps.divisions.services import divisions_seed

    call_command("migrate", interactive=False, verbosity=0)
    added = divisions_seed()
    console.print(f"数据库已就绪（新增镇街园区 {added} 个）。")


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option("--out", help="输出文件：.jsonl 或 .xlsx")],
    enterprises: Annotated[int, typer.Option("--enterprises", min=1, help="企业数量")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（相同种子生成相同数据）")] = DEFAULT_SEED,
    year: Annotated[int | None, typer.Option("--year", help="最近完整数据年度（默认：去年）")] = None,
) -> None:
    """生成确定性的模拟武清区企业档案（演示与测试用）。"""
    from lingjun.demo import generate_dossiers

    today = date.today()
    data_year = year or today.year - 1
    # last year's data: this year's tech SME registrations issued by today too
    dossiers = generate_dossiers(
        n=enterprises, seed=seed, year=data_year, today=today if data_year == today.year - 1 else None
    )
    with console.status(f"正在生成 {enterprises} 家企业的模拟档案…"):
        count = _write_dossiers(dossiers, out)
    console.print(f"已写入 {count} 家企业档案：{out}")


def _write_dossiers(dossiers: Any, out: Path) -> int:
    from lingjun.dossier.excel import write_workbook
    from lingjun.dossier.jsonl import write_jsonl

    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        items = list(dossiers)
        write_workbook(items, out)
        return len(items)
    if out.suffix.lower() == ".jsonl":
        return write_jsonl(dossiers, out)
    err.print(f"[red]不支持的输出格式“{out.suffix}”：请使用 .jsonl 或 .xlsx。[/red]")
    raise typer.Exit(2)


def _print_table(
    out: Console, headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], *, title: str
) -> None:
    """A table on a terminal; tab-separated lines, never cut, when the output is a file or a pipe
    (``lingjun import bad.jsonl 2> errors.txt`` keeps every message whole)."""
    if out.is_terminal:
        table = Table(*headers, title=title, title_style="red" if out.stderr else None)
        for row in rows:
            table.add_row(*row)
        out.print(table)
        return
    lines = [title, "\t".join(headers), *("\t".join(cell.replace("\t", " ") for cell in row) for row in rows)]
    out.file.write("\n".join(lines) + "\n")


USER_OPTION_HELP = "以该平台用户的身份操作（按权限矩阵检查并记录操作人）；不指定则为服务器运维人员"
NO_SUCH_USER = "平台中没有用户“{username}”（或已停用）。"
NOT_ALLOWED = "用户“{username}”（{role}）没有“{action}”的权限。"


def _acting_user(username: str, action: str) -> Any:
    """The platform user a command acts as, after asking the permission matrix; ``None`` (the
    server's operator, who may do everything) when no ``--user`` is given."""
    if not username:
        return None
    from lingjun.apps.accounts.models import User
    from lingjun.apps.accounts.permissions import ACTIONS, can

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        err.print(f"[red]{NO_SUCH_USER.format(username=username)}[/red]")
        raise typer.Exit(2)
    if not can(user, action):
        label = next(a.label for a in ACTIONS if a.code == action)
        err.print(
            f"[red]{NOT_ALLOWED.format(username=username, role=user.get_role_display(), action=label)}[/red]"
        )
        raise typer.Exit(2)
    return user


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".jsonl 或 .xlsx 档案文件")],
    user: Annotated[str, typer.Option("--user", help=USER_OPTION_HELP)] = "",
) -> None:
    """导入企业档案：全部成功或全部拒绝（列出每一处错误）；按统一社会信用代码更新。"""
    _django()
    from lingjun.apps.enterprises.services import ImportRefused, enterprises_import_file

    acting = _acting_user(user, "enterprise.import")
    try:
        with console.status(f"正在校验并导入 {file.name}…"), file.open("rb") as fh:
            batch = enterprises_import_file(source=fh, file_name=file.name, user=acting, today=_today())
    except ImportRefused as refused:
        headers = ("工作表/文件", "行", "列", "字段", "值", "问题")
        rows = [
            (e.sheet, str(e.row or ""), e.column, e.label, str(e.value), e.message)
            for e in refused.errors[:200]
        ]
        _print_table(err, headers, rows, title=str(refused))
        if len(refused.errors) > 200:
            err.print(f"……另有 {len(refused.errors) - 200} 处错误未显示。")
        raise typer.Exit(1) from None
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"导入完成：新建 {batch.created}，更新 {batch.updated}，未变化 {batch.unchanged}。")


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="输出文件：.jsonl 或 .xlsx")],
    user: Annotated[str, typer.Option("--user", help=USER_OPTION_HELP + "（只导出其管辖范围）")] = "",
) -> None:
    """导出企业库档案（按统一社会信用代码排序）：全部，或 --user 的管辖范围。"""
    _django()
    from lingjun.apps.accounts.models import Role, User
    from lingjun.apps.enterprises.selectors import dossiers_export

    acting = _acting_user(user, "enterprise.export")
    everyone = User(role=Role.DISTRICT_ADMIN, is_superuser=True, is_active=True)
    count = _write_dossiers(dossiers_export(user=acting or everyone), out)
    console.print(f"已导出 {count} 家企业档案：{out}")


@app.command()
def template(out: Annotated[Path, typer.Argument(help="输出的 Excel 模板 .xlsx")]) -> None:
    """生成企业档案 Excel 导入模板（含字段说明）。"""
    from lingjun.dossier.excel import write_template

    write_template(out)
    console.print(f"已生成导入模板：{out}")


@app.command("check-deploy")
def check_deploy() -> None:
    """检查生产部署的安全配置（调试、密钥、域名、HTTPS、数据库），并运行 Django 的 check --deploy。"""
    _django()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from lingjun.deploy import deploy_problems

    problems = deploy_problems(
        production=settings.PRODUCTION,
        debug=settings.DEBUG,
        secret_key=settings.SECRET_KEY,
        allowed_hosts=settings.ALLOWED_HOSTS,
        database_engine=settings.DATABASES["default"]["ENGINE"],
        secure_cookies=settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE,
        hsts_seconds=settings.SECURE_HSTS_SECONDS,
        ssl_redirect=settings.SECURE_SSL_REDIRECT,
    )
    for problem in problems:
        err.print(f"[red]✗ {problem.what}[/red]\n  改正：{problem.fix}")
    try:
        call_command("check", deploy=True, fail_level="WARNING")
    except SystemCheckError as exc:
        err.print(f"[red]Django check --deploy 未通过：[/red]\n{exc}")
        raise typer.Exit(1) from None
    if problems:
        err.print(f"[red]生产部署配置有 {len(problems)} 处不安全，请按上面的“改正”逐条处理。[/red]")
        raise typer.Exit(1)
    console.print("生产部署配置检查通过。")


@app.command()
def createuser(
    username: Annotated[str, typer.Argument(help="登录名")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="district_admin、district_staff、town_officer、enterprise、evaluator、finance、department",
        ),
    ],
    password: Annotated[
        str, typer.Option("--password", prompt="密码", hide_input=True, confirmation_prompt=True)
    ],
    name: Annotated[str, typer.Option("--name", help="姓名或单位")] = "",
    town: Annotated[str, typer.Option("--town", help="镇街园区工作人员：所属镇街")] = "",
    park: Annotated[str, typer.Option("--park", help="镇街园区工作人员：所属园区")] = "",
    enterprise: Annotated[str, typer.Option("--enterprise", help="企业用户：企业统一社会信用代码")] = "",
    department: Annotated[str, typer.Option("--department", help="部门名称")] = "",
) -> None:
    """创建用户（角色决定可见范围）。"""
    _django()
    from django.core.exceptions import ValidationError

    from lingjun.apps.accounts.services import user_create
    from lingjun.apps.enterprises.selectors import enterprise_id_by_uscc

    try:
        user = user_create(
            username=username,
            password=password,
            role=role,
            full_name=name,
            town=town,
            park=park,
            enterprise_id=enterprise_id_by_uscc(enterprise) if enterprise else None,
            department=department,
        )
    except ValidationError as exc:
        err.print(f"[red]{'；'.join(exc.messages)}[/red]")
        raise typer.Exit(2) from None
    console.print(f"已创建用户 {user}。")


def _policy_inputs(items: list[str]) -> dict[str, Any]:
    """``--input NAME=VALUE`` (YAML value: true/false/numbers) for every enterprise."""
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            err.print(
                f"[red]--input 应写成 名称=取值，如 national.tech_sme.2017.prohibited_sector=false，实际为“{item}”。[/red]"
            )
            raise typer.Exit(2)
        out[name.strip()] = yaml.safe_load(value)
    return out


def _file_tables(path: Path, today: date) -> Any:
    """The table form of a dossier file; exits 1 with the error list when the file has errors."""
    from lingjun.dossier.excel import read_workbook
    from lingjun.dossier.jsonl import read_jsonl
    from lingjun.dossier.tables import dossiers_to_arrow

    reader = {".jsonl": read_jsonl, ".xlsx": read_workbook}.get(path.suffix.lower())
    if reader is None:
        err.print(
            f"[red]不支持的输入格式“{path.suffix}”：请使用 .jsonl 或 .xlsx，或用 --db 评价企业库。[/red]"
        )
        raise typer.Exit(2)
    with path.open("rb") as fh:
        parsed = reader(fh, today=today, name=path.name)
    if parsed.errors:
        for e in parsed.errors[:200]:
            err.print(str(e))
        err.print(f"[red]输入文件有 {len(parsed.errors)} 处错误，未进行评价。[/red]")
        raise typer.Exit(1)
    return dossiers_to_arrow(parsed.dossiers)


def _engine_options(engine: str) -> dict[str, Any]:
    """PostgreSQL: the pool's database (``DATABASE_URL``) unless ``LINGJUN_PG_URL`` names another."""
    url = os.environ.get("DATABASE_URL", "")
    if engine == "postgres" and not os.environ.get("LINGJUN_PG_URL") and url.startswith("postgres"):
        return {"url": url}
    return {}


@app.command()
def evaluate(
    input_file: Annotated[
        Path | None, typer.Argument(metavar="INPUT", help=".jsonl 或 .xlsx 档案文件")
    ] = None,
    policy: Annotated[
        str, typer.Option("--policy", help="政策编号，逗号分隔，如 tianjin.chuying.2021,national.hnte.2016")
    ] = "",
    year: Annotated[int, typer.Option("--year", help="申报年度 Y（“上年”即 Y-1）")] = 0,
    db: Annotated[bool, typer.Option("--db", help="评价企业库（而非文件）")] = False,
    engine: Annotated[str, typer.Option("--engine", help="duckdb、postgres 或 spark")] = "duckdb",
    fmt: Annotated[str, typer.Option("--format", help="json、csv 或 xlsx")] = "json",
    out: Annotated[Path | None, typer.Option("--out", help="输出文件（json、csv 默认输出到屏幕）")] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="模拟：调整参数 PARAM=VALUE（可重复）")
    ] = None,
    inputs: Annotated[
        list[str] | None, typer.Option("--input", help="政策输入 NAME=VALUE，适用于全部企业（可重复）")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="知识产权、证书有效性判断日期 YYYY-MM-DD（默认：今天，不晚于Y年12月31日）"
        ),
    ] = None,
) -> None:
    """按政策评价企业档案（文件或企业库），输出每项条件的结果、数值、门槛和出处。"""
    if not policy or not year:
        err.print("[red]请用 --policy 指定政策、用 --year 指定申报年度。[/red]")
        raise typer.Exit(2)
    if (input_file is None) == (not db):
        err.print("[red]请指定一个档案文件，或使用 --db 评价企业库（二者选一）。[/red]")
        raise typer.Exit(2)
    if fmt not in {"json", "csv", "xlsx"}:
        err.print(f"[red]不支持的输出格式“{fmt}”：可选 json、csv、xlsx。[/red]")
        raise typer.Exit(2)
    if fmt == "xlsx" and out is None:
        err.print("[red]Excel 输出需要用 --out 指定文件。[/red]")
        raise typer.Exit(2)
    from lingjun.rules import (
        RulesError,
        RunSpec,
        counts_text,
        default_as_of,
        parse_sets,
        run_evaluation,
        write,
    )

    _django()
    today = _today()
    try:
        on = date.fromisoformat(as_of) if as_of else default_as_of(year, today)
    except ValueError:
        err.print(f"[red]--as-of 日期格式应为 YYYY-MM-DD，实际为“{as_of}”。[/red]")
        raise typer.Exit(2) from None
    target = out if out is not None else sys.stdout.buffer
    try:
        spec = RunSpec.of(
            [p.strip() for p in policy.split(",") if p.strip()],
            year=year,
            as_of=on,
            overrides=parse_sets(sets or []),
            inputs=_policy_inputs(inputs or []),
        )
        if db:
            from lingjun.apps.evaluation.services import evaluation_of_pool

            evaluation = evaluation_of_pool(spec=spec, engine=engine)
            write(evaluation, fmt, target)
        else:
            assert input_file is not None
            evaluation = run_evaluation(
                input_tables=_file_tables(input_file, today),
                spec=spec,
                engine=engine,
                engine_options=_engine_options(engine),
                fmt=fmt,
                out=target,
            )
    except (RulesError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if out is not None:
        counts = "；".join(f"{pid}：{counts_text(c)}" for pid, c in evaluation.counts().items())
        console.print(f"已写入 {out}（{counts}）")


@app.command()
def worker(
    burst: Annotated[bool, typer.Option("--burst", help="执行完队列中的任务后退出")] = False,
) -> None:
    """启动一个后台任务进程（评价、导入、导出）：默认从数据库队列取任务，设置 REDIS_URL 时从 RQ 队列取。"""
    _django()
    from django.conf import settings

    from lingjun.apps.evaluation.services import evaluation_leftovers_remove
    from lingjun.apps.jobs.worker import worker_run

    if removed := evaluation_leftovers_remove():
        console.print(f"已删除中断的评价留下的企业库副本 {removed} 个。")

    def started(recovered: list[tuple[int, str]]) -> None:
        words = {"retried": "已重新排队", "failed": "已标记为失败", "cancelled": "已取消"}
        for pk, action in recovered:
            console.print(f"后台进程中断的任务 #{pk}{words.get(action, action)}。")
        console.print(
            f"后台任务进程已启动（{settings.LINGJUN_TASKS} 队列，进程 {os.getpid()}），Ctrl+C 停止。"
        )

    try:
        worker_run(burst=burst, started=started)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the worker gets SIGTERM when the server that started it dies, even by SIGKILL."""
    import contextlib
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _start_worker() -> Any:
    """A worker process beside the web server (``python -m lingjun worker``)."""
    import subprocess

    return subprocess.Popen([sys.executable, "-m", "lingjun", "worker"], preexec_fn=_die_with_parent)


def _stop_worker(proc: Any, *, wait: float = 10.0) -> None:
    """Ask the worker to stop (a job in progress gets ``wait`` seconds to finish; one cut short is
    retried by the next worker), then make sure it has."""
    import subprocess

    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    threads: Annotated[int, typer.Option(help="工作线程数")] = 8,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="同时启动一个后台任务进程（评价、导入、导出）")
    ] = True,
) -> None:
    """启动网页服务（waitress，静态资源由本服务提供，无需外网），并在旁启动一个后台任务进程。"""
    _django()
    import signal

    from django.conf import settings
    from django.core.management import call_command
    from waitress import serve as waitress_serve

    from lingjun.apps.audit.services import audit_purge
    from lingjun.apps.web.uploads import FORM_SLACK, upload_max_bytes

    audit_purge()  # audit events older than LINGJUN_AUDIT_RETENTION_DAYS (at least 180)
    # collect first: WhiteNoise indexes STATIC_ROOT when the application is built
    call_command("collectstatic", interactive=False, verbosity=0)
    from lingjun.wsgi import application

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)  # the worker is stopped with the server
    proc = _start_worker() if worker and settings.LINGJUN_TASKS != "immediate" else None
    console.print(f"网页服务：http://{host}:{port}/  （Ctrl+C 停止）")
    try:
        waitress_serve(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="lingjun",
            # waitress reads a request's body before the application sees it: a body larger than
            # the largest upload is refused (413) before it is read, not spooled to disk
            max_request_body_size=upload_max_bytes() + FORM_SLACK,
        )
    finally:
        _stop_worker(proc)


@app.command()
def demo(
    enterprises: Annotated[
        int, typer.Option("--enterprises", min=1, help="模拟企业数量")
    ] = DEFAULT_DEMO_ENTERPRISES,
    seed: Annotated[int, typer.Option("--seed", help="随机种子")] = DEFAULT_SEED,
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="只准备数据，不启动网页服务")] = False,
) -> None:
    """一条命令的演示：建库、载入模拟武清区、创建各角色账号、启动网页服务。"""
    migrate()
    from lingjun.apps.accounts.models import User
    from lingjun.apps.accounts.services import demo_users_ensure
    from lingjun.apps.enterprises.models import Enterprise
    from lingjun.apps.enterprises.selectors import demo_login_targets
    from lingjun.apps.enterprises.services import dossiers_apply
    from lingjun.apps.web.shell import demo_populate_all
    from lingjun.demo import generate_dossiers

    if not Enterprise.objects.exists():
        today = _today()
        year = _data_year(today)
        with console.status(f"正在载入 {enterprises} 家模拟企业（{year} 年度数据）…"):
            dossiers = list(generate_dossiers(n=enterprises, seed=seed, year=year, today=today))
            dossiers_apply(dossiers=dossiers, user=None, source="import")
        console.print(f"已载入模拟武清区：{len(dossiers)} 家企业。")
    else:
        console.print(f"企业库已有 {Enterprise.objects.count()} 家企业，跳过载入模拟数据。")
    town, firm = demo_login_targets()
    logins = demo_users_ensure(town=town, enterprise=firm)
    users = {u.role: u for u in User.objects.filter(username__in=[login.username for login in logins])}
    for report in demo_populate_all(today=_today(), users=users):
        console.print(report)
    _print_table(
        console,
        ("用户名", "密码", "角色", "可见范围"),
        [(login.username, login.password, login.role_label, login.scope) for login in logins],
        title=f"演示账号（登录 http://{host}:{port}/ ）",
    )
    if not no_serve:
        serve(host=host, port=port, threads=8, worker=True)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
