"""The `lingjun` command line, run as a user would (subprocess, its own LINGJUN_HOME)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "lingjun"


def run(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(LINGJUN_HOME=str(home), COLUMNS="200")
    proc = subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture
def home(tmp_path: Path) -> Path:
    run(tmp_path, "migrate")
    return tmp_path


def test_demo_data_import_export_round_trip(home: Path):
    demo = home / "demo.jsonl"
    run(home, "demo-data", "--enterprises", "200", "--seed", "4", "--year", "2024", "--out", str(demo))
    assert len(demo.read_text(encoding="utf-8").splitlines()) == 200
    assert "新建 200" in run(home, "import", str(demo)).stdout
    first, second = home / "first.jsonl", home / "second.jsonl"
    run(home, "export", str(first))
    assert "未变化 200" in run(home, "import", str(first)).stdout
    run(home, "export", str(second))
    assert first.read_bytes() == second.read_bytes()


def test_import_and_export_as_a_user_ask_the_permission_matrix(home: Path):
    demo = home / "demo.jsonl"
    run(home, "demo-data", "--enterprises", "40", "--seed", "4", "--year", "2024", "--out", str(demo))
    run(home, "createuser", "li", "--role", "district_staff", "--password", "Zx9!correct-horse")
    run(
        home,
        "createuser",
        "zhao",
        "--role",
        "town_officer",
        "--town",
        "梅厂镇",
        "--password",
        "Zx9!correct-horse",
    )
    refused = run(home, "import", str(demo), "--user", "zhao", check=False)
    assert refused.returncode == 2
    assert "用户“zhao”（镇街园区工作人员）没有“导入企业档案”的权限。" in refused.stderr
    assert "新建 40" in run(home, "import", str(demo), "--user", "li").stdout
    db = sqlite3.connect(home / "lingjun.sqlite3")
    who = db.execute(
        "SELECT u.username FROM enterprises_importbatch b JOIN accounts_user u ON u.id = b.user_id"
    ).fetchall()
    assert who == [("li",)]
    town = home / "town.jsonl"
    run(home, "export", str(town), "--user", "zhao")
    exported = [json.loads(line) for line in town.read_text(encoding="utf-8").splitlines()]
    assert exported and {d["town"] for d in exported} == {"梅厂镇"}
    missing = run(home, "export", str(town), "--user", "nobody", check=False)
    assert missing.returncode == 2 and "平台中没有用户“nobody”" in missing.stderr


def test_errors_written_to_a_file_are_whole(home: Path):
    """Regression (issue #12): piped, the error table cut every message to a few characters."""
    bad = home / "bad.jsonl"
    bad.write_text(
        json.dumps({"uscc": "91120114MA05XXXXX0", "name": "甲", "registered_on": "2018-01-01"}) + "\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "COLUMNS"}}
    env["LINGJUN_HOME"] = str(home)
    proc = subprocess.run(
        [str(BIN), "import", str(bad)], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert "工作表/文件\t行\t列\t字段\t值\t问题" in lines
    row = next(line for line in lines if "91120114MA05XXXXX0" in line).split("\t")
    assert len(row) == 6 and len(row[5]) > 20 and "校验位" in row[5]  # the whole message


def test_import_of_a_bad_file_exits_non_zero_and_lists_every_error(home: Path):
    bad = home / "bad.jsonl"
    lines = [
        {"uscc": "91120114MA05XXXXX0", "name": "甲", "registered_on": "2018-01-01"},
        {"uscc": "91120114MA0000001X", "name": "乙", "registered_on": "2999-01-01"},
    ]
    bad.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    proc = run(home, "import", str(bad), check=False)
    assert proc.returncode == 1
    assert "校验位" in proc.stderr and "2999-01-01" in proc.stderr
    assert "数据库未作任何改动" in proc.stderr


def test_excel_template_and_demo_data_as_excel(home: Path):
    from openpyxl import load_workbook

    run(home, "template", str(home / "t.xlsx"))
    assert "说明" in load_workbook(home / "t.xlsx").sheetnames
    run(
        home,
        "demo-data",
        "--enterprises",
        "30",
        "--seed",
        "1",
        "--year",
        "2024",
        "--out",
        str(home / "d.xlsx"),
    )
    assert "新建 30" in run(home, "import", str(home / "d.xlsx")).stdout


def test_createuser_refuses_an_unknown_town(home: Path):
    proc = run(
        home,
        "createuser",
        "z",
        "--role",
        "town_officer",
        "--town",
        "火星镇",
        "--password",
        "Xy1-z3w4v5",
        check=False,
    )
    assert proc.returncode == 2 and "不是已登记的镇街或园区" in proc.stderr
    ok = run(
        home, "createuser", "z", "--role", "town_officer", "--town", "梅厂镇", "--password", "Xy1-z3w4v5"
    )
    assert "已创建用户" in ok.stdout


SEVEN = ",".join(
    [
        "national.hnte.2016",
        "national.tech_sme.2017",
        "tianjin.chuying.2021",
        "tianjin.chuying.2019",
        "tianjin.dengling.2021",
        "tianjin.lingjun_peiyu.2021",
        "tianjin.lingjun.2021",
    ]
)


def test_evaluate_demo_data_for_all_seven_policies_in_json_csv_and_excel(home: Path):
    import csv

    from openpyxl import load_workbook

    demo = home / "demo.jsonl"
    run(home, "demo-data", "--enterprises", "120", "--seed", "9", "--year", "2024", "--out", str(demo))
    args = ["evaluate", str(demo), "--policy", SEVEN, "--year", "2025", "--as-of", "2025-06-30"]
    records = json.loads(run(home, *args).stdout)
    assert len(records) == 120 * 7
    assert {r["policy"] for r in records} == set(SEVEN.split(","))
    assert {r["result"] for r in records} <= {"pass", "fail", "unknown"}
    first = records[0]
    assert {"uscc", "policy", "year", "result", "criteria", "missing"} <= set(first)
    assert {"id", "label", "result", "value", "threshold", "article", "source", "verified"} <= set(
        first["criteria"][0]
    )
    sme = next(r for r in records if r["policy"] == "national.tech_sme.2017")
    assert set(sme["indicators"]) == {"tech_staff", "rd_investment", "ip"}
    hnte = next(r for r in records if r["policy"] == "national.hnte.2016")
    assert {"net_asset_growth_rate", "sales_growth_rate", "rd_intensity_3y"} <= set(hnte["metrics"])
    assert set(hnte["bands"]) >= {"net_asset_growth", "sales_growth"}
    # 瞪羚 rests on provisional parameters: every output says so
    assert any(
        not c["verified"] for r in records if r["policy"] == "tianjin.dengling.2021" for c in r["criteria"]
    )
    # the command is the library's entry point: the same records as run_evaluation called directly
    from datetime import date

    from lingjun.dossier.jsonl import read_jsonl
    from lingjun.dossier.tables import dossiers_to_arrow
    from lingjun.rules import RunSpec, run_evaluation

    with demo.open("rb") as fh:
        parsed = read_jsonl(fh, today=date.today(), name=demo.name)
    direct = run_evaluation(
        input_tables=dossiers_to_arrow(parsed.dossiers),
        spec=RunSpec.of(SEVEN.split(","), year=2025, as_of=date(2025, 6, 30)),
    )
    assert records == json.loads(json.dumps(direct.to_records(), ensure_ascii=False))

    run(home, *args, "--format", "csv", "--out", str(home / "r.csv"))
    rows = list(csv.reader((home / "r.csv").open(encoding="utf-8-sig")))
    assert rows[0][0] == "统一社会信用代码" and len(rows) > 120 * 7

    out = run(home, *args, "--format", "xlsx", "--out", str(home / "r.xlsx")).stdout
    assert "已写入" in out
    # the counts in the outcome vocabulary's words
    from lingjun.rules import counts_text

    counts = direct.counts()["tianjin.chuying.2021"]
    assert f"tianjin.chuying.2021：{counts_text(counts)}" in out.replace("\n", "")
    assert len(load_workbook(home / "r.xlsx").sheetnames) >= 1


def test_evaluate_refuses_an_unknown_parameter(home: Path):
    demo = home / "demo.jsonl"
    run(home, "demo-data", "--enterprises", "5", "--seed", "9", "--year", "2024", "--out", str(demo))
    proc = run(
        home,
        "evaluate",
        str(demo),
        "--policy",
        "tianjin.chuying.2021",
        "--year",
        "2025",
        "--set",
        "tianjin.chuying.2021.nope=3",
        check=False,
    )
    assert proc.returncode == 2
    assert "tianjin.chuying.2021.revenue_min" in proc.stderr  # the allowed names are listed
    # a value beyond what the engines hold: the same exit, a Chinese message, no traceback
    args = [
        a if a != "tianjin.chuying.2021.nope=3" else "tianjin.chuying.2021.revenue_min=1e400"
        for a in proc.args[1:]
    ]
    big = run(home, *args, check=False)
    assert big.returncode == 2 and "数值过大" in big.stderr and "Traceback" not in big.stderr


def test_evaluate_the_pool_with_a_what_if(home: Path):
    demo = home / "demo.jsonl"
    run(home, "demo-data", "--enterprises", "150", "--seed", "2", "--year", "2024", "--out", str(demo))
    run(home, "import", str(demo))
    base = ["evaluate", "--db", "--policy", "tianjin.chuying.2021", "--year", "2025", "--as-of", "2025-06-30"]
    plain = json.loads(run(home, *base).stdout)
    strict = json.loads(run(home, *base, "--set", "tianjin.chuying.2021.revenue_min=1000000").stdout)
    assert len(plain) == 150
    assert sum(r["result"] == "pass" for r in strict) < sum(r["result"] == "pass" for r in plain)


def test_serve_serves_the_app_and_its_static_files(home: Path):
    """Regression: WhiteNoise indexed STATIC_ROOT before collectstatic had filled it (CSS 404)."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "LINGJUN_TASKS"}}
    env["LINGJUN_HOME"] = str(home)
    log = home / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(BIN), "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # a loaded 2-core CI machine starts Python slowly
        while True:
            try:
                login = urllib.request.urlopen(f"{base}/login/", timeout=2)
                if "后台任务进程已启动" in log.read_text():
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    "lingjun serve did not answer, or started no worker:\n" + log.read_text()
                )
            time.sleep(0.2)
        assert "登录" in login.read().decode("utf-8")
        for asset in ("/static/lingjun/lingjun.css", "/static/vendor/htmx/htmx.min.js"):
            assert urllib.request.urlopen(base + asset, timeout=5).status == 200
        # a body above the upload limit is refused before it is read (waitress's own limit)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(
                b"POST /transfer/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 104857600\r\n\r\n"
            )
            assert conn.recv(100).startswith(b"HTTP/1.1 413")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # a worker process ran beside the server and was stopped with it
    started = re.search(r"后台任务进程已启动（database 队列，进程 (\d+)）", log.read_text())
    assert started, log.read_text()
    with pytest.raises(ProcessLookupError):
        os.kill(int(started.group(1)), 0)


def test_demo_serves_pages_with_data_and_prints_a_login_per_role(tmp_path: Path):
    """The README's first command: `lingjun demo` builds the district, prints logins and serves."""
    import http.cookiejar
    import re
    import socket
    import time
    import urllib.parse
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "LINGJUN_TASKS"}}
    env.update(LINGJUN_HOME=str(tmp_path), COLUMNS="200")
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(BIN), "demo", "--enterprises", "60", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # the bound: the demo serves within two minutes
        while True:
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("demo did not serve:\n" + log.read_text()) from None
                time.sleep(0.2)
        printed = log.read_text()
        for role in (
            "区科技局管理员",
            "区科技局工作人员",
            "镇街园区工作人员",
            "企业用户",
            "第三方评价机构",
            "区财政局",
        ):
            assert role in printed
        # the log is a file, not a terminal: the logins are tab-separated lines, never cut
        password = re.search(r"^keji\t(\S+)\t", printed, re.M).group(1)  # type: ignore[union-attr]

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login = opener.open(f"{base}/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)  # type: ignore[union-attr]
        form = urllib.parse.urlencode(
            {"username": "keji", "password": password, "csrfmiddlewaretoken": token}
        )
        req = urllib.request.Request(
            f"{base}/login/", data=form.encode(), headers={"Referer": f"{base}/login/"}
        )
        opener.open(req)
        page = opener.open(f"{base}/enterprises/").read().decode()
        assert "60" in page and "91120114" in page  # the district's enterprises are listed

        # a run started from the form is evaluated by the worker the demo started beside the server
        form_page = opener.open(f"{base}/evaluation/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page).group(1)  # type: ignore[union-attr]
        year = re.search(r'name="year"[^>]*value="(\d+)"', form_page).group(1)  # type: ignore[union-attr]
        as_of = re.search(r'name="as_of"[^>]*value="([\d-]+)"', form_page).group(1)  # type: ignore[union-attr]
        fields = {
            "csrfmiddlewaretoken": token,
            "year": year,
            "as_of": as_of,
            "engine": "duckdb",
            "overrides": "",
        }
        form = urllib.parse.urlencode([*fields.items(), ("policies", "tianjin.chuying.2021")])
        started = opener.open(
            urllib.request.Request(
                f"{base}/evaluation/", data=form.encode(), headers={"Referer": f"{base}/evaluation/"}
            )
        )
        run_url = started.geturl()
        assert re.search(r"/evaluation/runs/\d+/$", run_url), run_url
        for _ in range(600):
            if 'id="result-table"' in opener.open(run_url).read().decode():
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the demo's worker did not evaluate the run:\n" + log.read_text())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("123", "密码太短"),
        ("password", "密码太常见"),
        ("wangkezhang", "太相似"),
        ("1234567890", "只包含数字"),
    ],
)
def test_createuser_applies_the_password_validators(home: Path, password: str, message: str):
    proc = run(
        home, "createuser", "wangkezhang", "--role", "district_admin", "--password", password, check=False
    )
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_deploy_names_the_fix_of_each_unsafe_setting(home: Path):
    proc = run(home, "check-deploy", check=False)
    assert proc.returncode == 1
    text = proc.stderr
    for fix in (
        "LINGJUN_PRODUCTION=1",
        "LINGJUN_SECRET_KEY",
        "LINGJUN_ALLOWED_HOSTS",
        "DATABASE_URL",
        "LINGJUN_TLS=1",
    ):
        assert fix in text, fix
    assert "Traceback" not in text


def test_check_deploy_passes_a_safe_production_configuration(tmp_path: Path):
    # (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses)
    unset = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINGJUN_") and k not in unset}
    env.update(
        LINGJUN_HOME=str(tmp_path),
        COLUMNS="200",
        LINGJUN_PRODUCTION="1",
        LINGJUN_SECRET_KEY="q8Yv2-kLz0_NwT4rXb7pHs1mC9eUaJd3GfR6oVi5yKxZ0nQwE2tBcLhMsPu",
        LINGJUN_ALLOWED_HOSTS="lingjun.wuqing.example",
        LINGJUN_TLS="1",
        DATABASE_URL="postgres://lingjun:secret@127.0.0.1:5432/lingjun",
    )
    proc = subprocess.run([str(BIN), "check-deploy"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "生产部署配置检查通过" in proc.stdout
