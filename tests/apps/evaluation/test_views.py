"""Evaluation pages: starting runs, results with counts, filters and exports, explanations,
self-evaluation, and who sees what.

Runs read the pool through DuckDB, which sees committed data only: these tests are transactional
and write run files under a temporary ``LINGJUN_HOME``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from tests.factories import build_dossier
from tests.office import sheets_as_read

from lingjun.apps.divisions.services import divisions_seed
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.evaluation import views
from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun, Outcome
from lingjun.apps.evaluation.selectors.explanations import evaluation_explain
from lingjun.apps.evaluation.selectors.policies import policies_in_force
from lingjun.apps.evaluation.services import evaluation_of_pool, evaluation_run
from lingjun.apps.evaluation.tasks import evaluation_run_task
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.services import job_claim, job_step
from lingjun.demo import generate_dossiers
from lingjun.rules import default_as_of
from lingjun.rules.errors import BAD_OVERRIDE, UNKNOWN_OVERRIDE
from lingjun.rules.spec import RunSpec

pytestmark = pytest.mark.django_db(transaction=True)

POLICIES = ["national.hnte.2016", "national.tech_sme.2017", "tianjin.chuying.2021", "tianjin.dengling.2021"]
AS_OF = date(2025, 6, 30)
SECTOR = "national.tech_sme.2017.prohibited_sector"
CONFIRMED = {SECTOR: False}
TOWN = "杨村街道"
N = 120


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "year": 2025,
        "as_of": "2025-06-30",
        "policies": POLICIES,
        "engine": "duckdb",
        "overrides": "",
    }
    data.update(extra)
    return data


@pytest.fixture
def home(tmp_path, settings) -> None:
    settings.LINGJUN_HOME = tmp_path


@pytest.fixture
def district(home) -> list[dict[str, Any]]:
    """120 enterprises of the synthetic district (data year 2024), ~20 of them in 杨村街道."""
    divisions_seed()
    dossiers = list(generate_dossiers(n=N, seed=21, year=2024))
    dossiers_apply(dossiers=dossiers, user=None, source="import")
    return dossiers


@pytest.fixture
def sync_runner(monkeypatch) -> None:
    monkeypatch.setattr(views, "RUNNER", views.run_now)


@pytest.fixture
def run(district) -> EvaluationRun:
    return evaluation_run(policies=POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED)


@pytest.fixture
def staff(make_user) -> Any:
    return make_user("district_staff", full_name="张科员")


def _stored(run: EvaluationRun, policy: str) -> dict[str, tuple[str, Decimal | None]]:
    """``{uscc: (result, score)}`` of one policy as the run stored it."""
    return {
        row.enterprise_id: row.results()[policy]
        for row in EvaluationResult.objects.filter(run=run).select_related("run")
    }


def _pk(uscc: str) -> int:
    return int(Enterprise.objects.get(uscc=uscc).pk)


def _section(html: str, policy: str) -> str:
    match = re.search(
        rf'<section class="panel policy"[^>]*data-policy="{re.escape(policy)}">(.*?)</section>', html, re.S
    )
    assert match, f"no section for {policy}"
    return match.group(1)


def _row(html: str, attribute: str, value: str) -> str:
    match = re.search(rf'<tr[^>]*{attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row {attribute}={value}"
    return match.group(1)


def _counts_on_page(html: str, policy: str) -> dict[str, int]:
    row = _row(html, "data-policy", policy)
    found = re.findall(r'data-result="(\w+)">(?:<a[^>]*>)?([\d,]+)', row)
    return {result: int(n.replace(",", "")) for result, n in found}


# ------------------------------------------------------------------------------ starting runs


def test_the_form_defaults_to_this_year_and_the_policies_in_force(district, staff):
    page = _client(staff).get(reverse("evaluation:index"))
    form = page.context["form"]
    today = page.context["today"]
    assert form["year"].value() == today.year
    assert form["as_of"].value() == default_as_of(today.year, today)
    assert form["policies"].value() == policies_in_force(today.year, default_as_of(today.year, today))
    assert "tianjin.chuying.2019" not in form["policies"].value()
    html = page.content.decode()
    assert "已核查：申报企业产品（服务）均不属于国家规定的禁止、限制和淘汰类" in html
    # the provisional 瞪羚 parameters are marked with their reason next to the policy
    dengling = re.search(r'data-policy="tianjin.dengling.2021">(.*?)</details>', html, re.S)
    assert (
        dengling
        and "暂定（待核实）" in dengling.group(1)
        and "暂用国家高新区瞪羚企业口径" in dengling.group(1)
    )
    # only DuckDB and Spark over a SQLite pool: PostgreSQL is offered when the pool is in it
    engines = [value for value, _label in form.fields["engine"].choices]
    assert engines[0] == "duckdb" and ("postgres" in engines) == (not _sqlite())

    # another year: the rules in force then (雏鹰 2019, no 瞪羚 yet) and 31 December as the date
    old = _client(staff).get(reverse("evaluation:index"), {"year": 2020}).context["form"]
    assert old["policies"].value() == ["national.hnte.2016", "national.tech_sme.2017", "tianjin.chuying.2019"]
    assert old["as_of"].value() == date(2020, 12, 31)


def _sqlite() -> bool:
    from django.conf import settings

    return bool(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"))


def test_starting_a_run_stores_results_and_the_page_shows_the_counts(district, sync_runner, staff):
    client = _client(staff)
    response = client.post(reverse("evaluation:index"), _form(**{f"confirm:{SECTOR}": "on"}))
    run = EvaluationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "evaluation:run_detail", args=[run.pk]
    )
    assert run.status == EvaluationRun.Status.DONE and run.user == staff
    assert run.policies == POLICIES and run.year == 2025 and run.as_of == AS_OF
    assert run.inputs == CONFIRMED and run.overrides == {}
    assert EvaluationResult.objects.filter(run=run).count() == N  # one row per enterprise
    assert run.counts["national.tech_sme.2017"]["pass"] > 0  # the confirmation made tech SMEs decidable

    page = client.get(response["Location"])
    html = page.content.decode()
    for policy in POLICIES:
        stored = run.counts[policy]
        assert sum(stored.values()) == N
        assert _counts_on_page(html, policy) == stored
    assert "人工确认的输入" in html and "产品（服务）属于国家规定的禁止、限制和淘汰类 = 否" in html
    assert "天津市瞪羚企业" in html and "含暂定规则" in html  # the run rests on provisional 瞪羚 rules
    # the run list shows it with its counts
    index = client.get(reverse("evaluation:index")).content.decode()
    assert (
        f'data-run="{run.pk}"' in index
        and _counts_on_page(index, "tianjin.chuying.2021") == run.counts["tianjin.chuying.2021"]
    )


def test_the_form_refuses_unknown_overrides_with_the_engines_message(district, sync_runner, staff):
    client = _client(staff)
    url = reverse("evaluation:index")

    response = client.post(url, _form(overrides="tianjin.chuying.2021.no_such_parameter=5"))
    assert response.status_code == 200
    (error,) = response.context["form"].errors["overrides"]
    expected = UNKNOWN_OVERRIDE.split("；")[0].format(name="tianjin.chuying.2021.no_such_parameter")
    assert error.startswith(expected)  # 情景参数“…”不存在（unknown parameter）；可用参数：…
    assert "tianjin.chuying.2021.revenue_min" in error  # the message lists what may be adjusted
    assert escape(expected) in response.content.decode()

    # a parameter of a policy that is not part of the run is unknown too
    response = client.post(
        url, _form(policies=["tianjin.chuying.2021"], overrides="tianjin.dengling.2021.revenue_cagr_min=0.1")
    )
    assert (
        response.context["form"]
        .errors["overrides"][0]
        .startswith(UNKNOWN_OVERRIDE.split("；")[0].format(name="tianjin.dengling.2021.revenue_cagr_min"))
    )
    # a bad value, and a line that is not PARAM=VALUE
    response = client.post(url, _form(overrides="tianjin.chuying.2021.revenue_min=abc"))
    assert (
        response.context["form"]
        .errors["overrides"][0]
        .startswith(
            BAD_OVERRIDE.split("{detail}")[0].format(name="tianjin.chuying.2021.revenue_min", value="abc")
        )
    )
    response = client.post(url, _form(overrides="revenue_min 20"))
    assert "应写成 参数=取值" in response.context["form"].errors["overrides"][0]
    # a value beyond what the engines hold (was a 500: TypeError in the compiler)
    response = client.post(url, _form(overrides="tianjin.chuying.2021.revenue_min=1e400"))
    assert response.status_code == 200 and "数值过大" in response.context["form"].errors["overrides"][0]
    assert not EvaluationRun.objects.exists()  # nothing was recorded for a refused form


def test_a_what_if_run_is_labelled_simulated_and_hidden_from_enterprises(
    district, sync_runner, staff, make_user
):
    client = _client(staff)
    override = "tianjin.chuying.2021.revenue_min=100000"
    client.post(
        reverse("evaluation:index"),
        _form(policies=["tianjin.chuying.2021"], overrides=f"# 模拟\n{override}\n"),
    )
    run = EvaluationRun.objects.get()
    assert run.overrides == {"tianjin.chuying.2021.revenue_min": "100000"}
    assert run.counts["tianjin.chuying.2021"]["pass"] == 0  # nobody has 10亿 revenue

    detail = client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "模拟评价：本批次调整了政策参数，结果不是正式评价结果。" in detail and override in detail
    uscc = district[0]["uscc"]
    explain = client.get(reverse("evaluation:explain", args=[_pk(uscc), run.pk])).content.decode()
    assert "模拟评价（非正式结果）" in explain and override in explain
    # the label shows the what-if's threshold, not the document's (it was stale: 不低于10万元)
    assert "上年度营业收入不低于100000万元" in explain and "上年度营业收入不低于10万元" not in explain
    export = client.get(reverse("evaluation:run_export", args=[run.pk, "csv"]))
    assert "%E6%A8%A1%E6%8B%9F" in export["Content-Disposition"]  # 模拟 in the file name

    own = _client(make_user("enterprise", enterprise_uscc=uscc))
    assert own.get(reverse("evaluation:explain", args=[_pk(uscc), run.pk])).status_code == 404
    assert own.get(reverse("evaluation:run_detail", args=[run.pk])).status_code == 404
    assert f'data-run="{run.pk}"' not in own.get(reverse("evaluation:index")).content.decode()


def test_only_the_bureau_and_the_evaluator_start_runs_and_departments_see_nothing(
    district, sync_runner, make_user
):
    url = reverse("evaluation:index")
    evaluator = _client(make_user("evaluator"))
    assert evaluator.get(url).context["form"] is not None
    assert evaluator.post(url, _form(policies=["tianjin.chuying.2021"])).status_code == 302
    run = EvaluationRun.objects.get()
    for role, extra in (("finance", {"department": "区财政局"}), ("town_officer", {"town": TOWN})):
        client = _client(make_user(role, **extra))
        page = client.get(url)
        assert (
            page.status_code == 200
            and page.context["form"] is None
            and "发起评价" not in page.content.decode()
        )
        assert client.post(url, _form()).status_code == 403  # evaluation.run: not theirs
        assert client.get(reverse("evaluation:run_detail", args=[run.pk])).status_code == 200
    department = _client(make_user("department", department="区工业和信息化局"))
    assert department.get(url).status_code == 403
    assert department.get(reverse("evaluation:run_detail", args=[run.pk])).status_code == 403
    assert department.get(reverse("evaluation:run_export", args=[run.pk, "csv"])).status_code == 403
    assert 'href="/evaluation/"' not in department.get(reverse("web:home")).content.decode()
    assert EvaluationRun.objects.count() == 1


# ------------------------------------------------------------------------------ results


def test_a_town_officer_sees_only_the_results_of_their_town(run, district, make_user):
    mine = {d["uscc"] for d in district if d.get("town") == TOWN}
    assert 5 < len(mine) < 50
    client = _client(make_user("town_officer", town=TOWN))
    page = client.get(reverse("evaluation:run_detail", args=[run.pk]))
    assert {row.enterprise.uscc for row in page.context["page"].rows} == mine
    html = page.content.decode()
    assert all(d["uscc"] not in html for d in district if d["uscc"] not in mine)
    for c in page.context["row"].counts:  # counted over the town, not the district
        assert c.total == len(mine)
        stored = EvaluationResult.objects.filter(enterprise_id__in=mine)
        assert c.passed == stored.of(run, policy=c.policy, result="pass").count()
        assert c.unknown == stored.of(run, policy=c.policy, result="unknown").count()
    # the run list loads the town's counts lazily, with the same numbers
    index = client.get(reverse("evaluation:index")).content.decode()
    assert reverse("evaluation:run_counts", args=[run.pk]) in index
    fragment = client.get(reverse("evaluation:run_counts", args=[run.pk])).content.decode()
    assert sum(_counts_on_page(fragment, "tianjin.chuying.2021").values()) == len(mine)
    # exports and explanations stay inside the town
    body = b"".join(client.get(reverse("evaluation:run_export", args=[run.pk, "csv"])).streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]
    assert {r[1] for r in rows} == mine
    outside = next(d["uscc"] for d in district if d["uscc"] not in mine)
    assert client.get(reverse("evaluation:explain", args=[_pk(outside), run.pk])).status_code == 404
    inside = next(iter(mine))
    assert client.get(reverse("evaluation:explain", args=[_pk(inside), run.pk])).status_code == 200


def test_results_filter_by_policy_result_town_and_name_and_page(run, district, staff):
    client = _client(staff)
    url = reverse("evaluation:run_detail", args=[run.pk])
    first = client.get(url).context["page"]
    assert first.count == N and len(first.rows) == 50 and first.has_next
    names = [row.enterprise.name for row in first.rows]
    assert names == sorted(names)
    third = client.get(url, {"page": 3}).context["page"]
    assert len(third.rows) == N - 100 and not third.has_next

    passed = set(
        EvaluationResult.objects.of(run, policy="tianjin.chuying.2021", result="pass").values_list(
            "enterprise_id", flat=True
        )
    )
    assert passed
    page = client.get(url, {"policy": "tianjin.chuying.2021", "result": "pass"}).context["page"]
    assert {r.enterprise.uscc for r in page.rows} == passed and page.count == len(passed)
    for row in page.rows:
        cell = next(c for c in row.cells if c.policy == "tianjin.chuying.2021")
        assert cell.result == "pass" and cell.label == "通过"

    in_town = client.get(url, {"town": TOWN, "policy": "national.tech_sme.2017", "result": "fail"}).context[
        "page"
    ]
    expected = {d["uscc"] for d in district if d.get("town") == TOWN} & set(
        EvaluationResult.objects.of(run, policy="national.tech_sme.2017", result="fail").values_list(
            "enterprise_id", flat=True
        )
    )
    assert {r.enterprise.uscc for r in in_town.rows} == expected

    target = district[5]
    by_name = client.get(url, {"q": target["name"]}).context["page"]
    assert [r.enterprise.uscc for r in by_name.rows] == [target["uscc"]]
    by_code = client.get(url, {"q": target["uscc"][:12]}).context["page"]
    assert target["uscc"] in {r.enterprise.uscc for r in by_code.rows}
    # htmx asks for the results only
    partial = client.get(url, {"q": target["name"]}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="result-table"' in partial


def test_the_filtered_results_download_as_excel_and_csv_and_parse_back(run, district, staff):
    client = _client(staff)
    wanted = {"policy": "tianjin.chuying.2021", "result": "pass"}
    passed = set(
        EvaluationResult.objects.of(run, policy="tianjin.chuying.2021", result="pass").values_list(
            "enterprise_id", flat=True
        )
    )
    response = client.get(reverse("evaluation:run_export", args=[run.pk, "xlsx"]), wanted)
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["评价结果", "评价参数"]
    rows = list(book["评价结果"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:4] == ["企业名称", "统一社会信用代码", "所属镇街", "所属园区"]
    assert "天津市雏鹰企业：结果" in header and "国家科技型中小企业：得分" in header
    assert "天津市雏鹰企业：得分" not in header  # 雏鹰 is not scored
    column = header.index("天津市雏鹰企业：结果")
    assert {r[1] for r in rows[1:]} == passed and all(r[column] == "通过" for r in rows[1:])
    score = header.index("国家科技型中小企业：得分")
    stored = _stored(run, "national.tech_sme.2017")
    for r in rows[1:]:
        assert r[score] == pytest.approx(float(stored[r[1]][1]))
    about = dict(book["评价参数"].iter_rows(values_only=True))
    assert about["申报年度"] == "2025" and about["有效性判断日期"] == "2025-06-30"
    assert about["参数调整（模拟）"] == "无（正式评价）"

    response = client.get(reverse("evaluation:run_export", args=[run.pk, "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff企业名称,")  # a BOM, so that Excel reads the Chinese as UTF-8
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0] == header
    assert len(table) == N + 1 and {r[1] for r in table[1:]} == {d["uscc"] for d in district}
    words = {r[column] for r in table[1:]}
    assert words <= {"通过", "不通过", "需补充材料"} and len(words) >= 2
    assert client.get(reverse("evaluation:run_export", args=[run.pk, "pdf"])).status_code == 404


def test_the_excel_download_opens_in_libreoffice(run, district, staff, tmp_path):
    response = _client(staff).get(reverse("evaluation:run_export", args=[run.pk, "xlsx"]))
    path = tmp_path / "评价结果.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheets = sheets_as_read(path, tmp_path / "seen")
    assert set(sheets) == {"评价结果", "评价参数"}
    header, *rows = sheets["评价结果"]
    assert header[:2] == ["企业名称", "统一社会信用代码"]
    assert {r[1] for r in rows} == {d["uscc"] for d in district}
    column = header.index("天津市雏鹰企业：结果")
    stored = _stored(run, "tianjin.chuying.2021")
    assert {r[1]: r[column] for r in rows} == {u: Outcome(r).label for u, (r, _s) in stored.items()}


# --------------------------------------------------------------------------- explanations


def test_the_explanation_shows_every_criterion_with_value_threshold_citation_and_provisional_marks(
    run, district, staff
):
    uscc = district[3]["uscc"]
    page = _client(staff).get(reverse("evaluation:explain", args=[_pk(uscc), run.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert district[3]["name"] in html and uscc in html
    assert "2025 年度" in html and "2025-06-30" in html and "无（按政策文件现行参数评价）" in html
    assert 'media="print"' not in html and "lingjun/evaluation.css" in html  # print rules live there

    records = evaluation_explain(run=run, uscc=uscc)
    assert [r["policy"] for r in records] == POLICIES
    for record in records:
        section = _section(html, record["policy"])
        assert escape(record["policy_label"]) in html
        for c in record["criteria"]:
            row = _row(section, "data-criterion", c["id"])
            assert escape(c["label"]) in row
            assert escape(c["explanation"]) in row  # the engine's own sentence
            assert escape(c["document"]) in row and escape(c["article"]) in row
            assert ("暂定（待核实）" in row) == (not c["verified"])
            if c["gap"]:
                assert escape(c["gap"]) in row
        if record["missing"]:
            assert "需补充材料：" in section

    # a measured ratio and its threshold, with units
    hnte = _section(html, "national.hnte.2016")
    tech = next(c for c in records[0]["criteria"] if c["id"] == "tech_staff")
    row = _row(hnte, "data-criterion", "tech_staff")
    assert "≥ 10%" in row
    if tech["value"] is not None:
        assert re.search(r'<td class="num">\d+(\.\d+)?%</td>', row)
    assert "国科发火〔2016〕32号" in row and "第十一条（四）" in row
    assert "https://www.most.gov.cn/" in hnte  # the source address
    # 瞪羚 rests on provisional parameters: marked with the reason, on the criteria that use them
    dengling = _section(html, "tianjin.dengling.2021")
    rd = _row(dengling, "data-criterion", "rd_intensity")
    assert "暂定（待核实）" in rd and "暂用国家高新区瞪羚企业口径 2.5%" in rd and "&gt; 2.5%" in rd
    assert "暂定（待核实）" not in _row(dengling, "data-criterion", "registered_tianjin")
    # the scored tech SME policy shows its score and indicators
    tech_sme = _section(html, "national.tech_sme.2017")
    assert "科技人员指标" in tech_sme and "/ 100" in tech_sme


def test_an_explanation_says_so_when_the_run_has_no_row_for_the_enterprise(run, district, staff):
    divisions_seed()
    late = next(generate_dossiers(n=1, seed=99, year=2024))
    dossiers_apply(dossiers=[late], user=None, source="import")
    page = _client(staff).get(reverse("evaluation:explain", args=[_pk(late["uscc"]), run.pk]))
    assert page.status_code == 200 and "该企业不在本批次范围内" in page.content.decode()
    missing = _client(staff).get(reverse("evaluation:explain", args=[_pk(late["uscc"]), run.pk + 1000]))
    assert missing.status_code == 404


def test_an_enterprise_user_sees_its_own_explanation_only(run, district, make_user):
    own, other = district[0]["uscc"], district[1]["uscc"]
    client = _client(make_user("enterprise", enterprise_uscc=own))
    assert client.get(reverse("evaluation:explain", args=[_pk(own), run.pk])).status_code == 200
    for name, args in (
        ("evaluation:explain", [_pk(other), run.pk]),
        ("evaluation:self", [_pk(other)]),
        ("evaluation:history", [_pk(other)]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404
    # the run page lists only its own row, and its counts are its own results
    page = client.get(reverse("evaluation:run_detail", args=[run.pk]))
    assert [r.enterprise.uscc for r in page.context["page"].rows] == [own]
    assert all(c.total == 1 for c in page.context["row"].counts)
    # regression (issue #12): it was told "参评企业 N 家（全区）", the district's count
    assert "家（全区）" not in page.content.decode()
    bureau = _client(make_user("district_staff")).get(reverse("evaluation:run_detail", args=[run.pk]))
    assert "家（全区）" in bureau.content.decode()


def test_the_enterprise_page_links_its_runs_and_explanations(run, district, staff):
    uscc = district[2]["uscc"]
    client = _client(staff)
    detail = client.get(reverse("enterprises:enterprise_detail", args=[_pk(uscc)])).content.decode()
    history = reverse("evaluation:history", args=[_pk(uscc)])
    assert f'hx-get="{history}"' in detail and 'href="#evaluation"' in detail
    fragment = client.get(history, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert reverse("evaluation:explain", args=[_pk(uscc), run.pk]) in fragment
    assert reverse("evaluation:self", args=[_pk(uscc)]) in fragment
    row = EvaluationResult.objects.get(run=run, enterprise_id=uscc)
    results = {p: r for p, (r, _s) in row.results().items()}
    words = {"pass": "通过", "fail": "不通过", "unknown": "需补充材料"}
    assert re.findall(r'class="outcome (\w+)"', fragment) == [results[p] for p in POLICIES]
    assert all(words[results[p]] in fragment for p in POLICIES)


def test_enterprise_urls_of_the_evaluation_pages_are_covered_by_the_scoping_test():
    from tests.apps.enterprises.test_scoping import enterprise_urls

    names = {name for name, _extra in enterprise_urls()}
    assert {"evaluation:history", "evaluation:explain", "evaluation:self"} <= names


# ------------------------------------------------------------------------- self-evaluation


def test_self_evaluation_shows_gaps_in_the_engines_words_and_agrees_with_the_engine(district, make_user):
    today_year = 2025
    client = None
    # an enterprise that fails some criterion with a measurable gap
    as_of = None
    for d in district:
        uscc = d["uscc"]
        client = client or _client(make_user("district_staff"))
        page = client.get(reverse("evaluation:self", args=[_pk(uscc)]), {"year": today_year})
        result = page.context["result"]
        if any(c.gap for p in result.policies for c in p.gaps):
            as_of = result.as_of
            break
    assert as_of is not None, "no enterprise with a gap in the synthetic district"
    assert result.seconds < 5
    html = page.content.decode()
    gap = next(c for p in result.policies for c in p.gaps if c.gap)
    assert escape(gap.gap) in html and ("需达到" in gap.gap or "不得超过" in gap.gap or "需高于" in gap.gap)
    assert result.year == 2025 and result.as_of == default_as_of(2025, timezone.localdate())

    # the same records as the DuckDB engine over the pool, criterion by criterion
    policies = policies_in_force(2025, as_of)
    assert [p.policy for p in result.policies] == policies
    engine = {
        r["policy"]: r
        for r in evaluation_of_pool(spec=RunSpec.of(policies, year=2025, as_of=as_of)).to_records()
        if r["uscc"] == uscc
    }
    for p in result.policies:
        assert p.result == engine[p.policy]["result"]
        assert [(c.id, c.result, c.gap, c.explanation) for c in p.criteria] == [
            (c["id"], c["result"], c["gap"], c["explanation"]) for c in engine[p.policy]["criteria"]
        ]
    # unknowns say what to supply
    tech = next(p for p in result.policies if p.policy == "national.tech_sme.2017")
    sector = next(c for c in tech.criteria if c.id == "sector")
    assert sector.result == "unknown" and [str(m) for m in sector.missing] == [
        "产品（服务）属于国家规定的禁止、限制和淘汰类（须人工确认或专家评定）"
    ]
    assert "请补充：" in html
    # the enterprise's own declaration decides that criterion (nothing is stored)
    declared = client.get(
        reverse("evaluation:self", args=[_pk(uscc)]), {"year": 2025, f"confirm:{SECTOR}": "on"}
    )
    tech = next(p for p in declared.context["result"].policies if p.policy == "national.tech_sme.2017")
    assert next(c for c in tech.criteria if c.id == "sector").result == "pass"
    assert "依据企业自行确认" in declared.content.decode()
    assert not EvaluationRun.objects.exists()


def test_an_enterprise_user_self_evaluates_its_own_enterprise(district, make_user):
    own = district[4]["uscc"]
    client = _client(make_user("enterprise", enterprise_uscc=own))
    page = client.get(reverse("evaluation:self", args=[_pk(own)]))
    assert page.status_code == 200
    result = page.context["result"]
    assert result.year == page.context["form"].today.year
    assert {p.policy for p in result.policies} == set(policies_in_force(result.year, result.as_of))
    assert (
        "企业自评" in page.content.decode()
        and reverse("evaluation:self", args=[_pk(own)])
        in client.get(reverse("evaluation:index")).content.decode()
    )


def test_missing_fields_of_the_self_evaluation_link_to_where_they_are_filled_in(home, make_user):
    """An award without its year may count: 雏鹰 says which fields to fill in, and whoever may edit
    the dossier gets a link to the form that takes them (awards: their own form; last year's
    revenue: the main form), in the self-evaluation and in a run's explanation; who may only read
    gets the words."""
    divisions_seed()
    today = timezone.localdate()
    last = today.year - 1
    dossier = build_dossier(
        90,
        registered_on=date(last - 3, 3, 1),
        annual=[{"year": last - 1, "operating_revenue": Decimal(500)}],
        ip=[],
        qualifications=[],
        awards=[{"kind": "st_award", "level": "provincial", "rank": 1}],
        standards=[],
        projects=[],
        financing=[],
    )
    dossiers_apply(dossiers=[dossier], user=None, source="import")
    pk = _pk(dossier["uscc"])
    own = _client(make_user("enterprise", enterprise_uscc=dossier["uscc"]))
    html = own.get(reverse("evaluation:self", args=[pk])).content.decode()
    chuying = _section(html, "tianjin.chuying.2021")
    awards = reverse("enterprises:enterprise_section_edit", args=[pk, "awards"])
    assert f'<a class="fill" href="{awards}"' in chuying and "奖项（级别、年度）</a>" in chuying
    revenue = f"营业收入（{last}年）</a>"
    assert (
        f'<a class="fill" href="{reverse("enterprises:enterprise_edit", args=[pk])}"' in chuying
        and revenue in chuying
    )
    officer = _client(make_user("town_officer", town="杨村街道"))
    read_only = _section(
        officer.get(reverse("evaluation:self", args=[pk])).content.decode(), "tianjin.chuying.2021"
    )
    assert "奖项（级别、年度）" in read_only and 'class="fill"' not in read_only
    # the printable explanation of a stored run links the same way
    run = evaluation_run(
        policies=["tianjin.chuying.2021"], year=today.year, as_of=default_as_of(today.year, today)
    )
    explain = reverse("evaluation:explain", args=[pk, run.pk])
    staff_page = _section(
        _client(make_user("district_staff")).get(explain).content.decode(), "tianjin.chuying.2021"
    )
    assert f'<a class="fill" href="{awards}"' in staff_page
    officer_page = _section(officer.get(explain).content.decode(), "tianjin.chuying.2021")
    assert "奖项（级别、年度）" in officer_page and 'class="fill"' not in officer_page


# ------------------------------------------------------------------------- the background job


@pytest.fixture
def held_tasks(settings) -> None:
    """Tasks wait in django-tasks' dummy backend (no worker takes them) until the test runs one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_the_run_is_a_job_and_the_page_polls_its_progress_until_done(district, staff, held_tasks):
    assert views.RUNNER is views.run_in_background
    client = _client(staff)
    response = client.post(reverse("evaluation:index"), _form(policies=["tianjin.chuying.2021"]))
    run = EvaluationRun.objects.get()
    job = Job.objects.get(kind=Job.Kind.EVALUATION, subject_id=run.pk)
    assert response.status_code == 302 and job.status == Job.Status.QUEUED and job.user == staff
    status_url = reverse("evaluation:run_status", args=[run.pk])
    detail = client.get(response["Location"]).content.decode()
    assert f'hx-get="{status_url}"' in detail and 'hx-trigger="every 1s"' in detail
    waiting = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "排队中" in waiting and "即将开始评价" in waiting and 'id="cancel-run"' in waiting

    # a worker takes the job: its step and progress show while it runs
    claimed = job_claim(job_id=job.pk, attempt=1)
    assert claimed is not None
    EvaluationRun.objects.filter(pk=run.pk).update(begun_at=timezone.now())
    job_step(job=claimed, progress=0.6, step="正在写入逐条说明文件")
    running = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "正在评价" in running and "已用时" in running and "正在写入逐条说明文件" in running
    assert 'style="width: 60%"' in running
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)  # back in line for the real run
    evaluation_run_task.call(job_id=job.pk, attempt=1)  # what the worker process does

    assert client.get(status_url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    run.refresh_from_db()
    assert run.status == EvaluationRun.Status.DONE and run.seconds is not None
    assert EvaluationResult.objects.filter(run=run).count() == N
    done = client.get(response["Location"]).content.decode()
    assert 'id="progress"' not in done and 'id="result-table"' in done


def test_a_waiting_run_can_be_cancelled_by_who_may_start_runs(district, staff, make_user, held_tasks):
    client = _client(staff)
    client.post(reverse("evaluation:index"), _form(policies=["tianjin.chuying.2021"]))
    run = EvaluationRun.objects.get()
    cancel = reverse("evaluation:run_cancel", args=[run.pk])
    officer = _client(make_user("town_officer", town=TOWN))
    assert officer.post(cancel).status_code == 403  # may see runs, may not start or cancel them
    assert (
        'id="cancel-run"' not in officer.get(reverse("evaluation:run_status", args=[run.pk])).content.decode()
    )
    assert client.get(cancel).status_code == 405
    response = client.post(cancel)
    assert response.status_code == 302 and response["Location"] == reverse(
        "evaluation:run_detail", args=[run.pk]
    )
    run.refresh_from_db()
    assert run.status == EvaluationRun.Status.CANCELLED
    page = client.get(response["Location"]).content.decode()
    assert "评价已取消" in page and "没有保存任何结果" in page and 'id="result-table"' not in page
    assert "已取消" in client.get(reverse("evaluation:index")).content.decode()


def test_a_waiting_run_shows_its_place_in_the_queue(district, staff):
    worker = "server-a:4242"
    first = EvaluationRun.objects.create(
        policies=["tianjin.chuying.2021"], year=2025, as_of=AS_OF, worker=worker, begun_at=timezone.now()
    )
    second, third = (
        EvaluationRun.objects.create(policies=["tianjin.chuying.2021"], year=2025, as_of=AS_OF, worker=worker)
        for _ in range(2)
    )
    EvaluationRun.objects.create(
        policies=["tianjin.chuying.2021"], year=2025, as_of=AS_OF, worker="server-b:1"
    )
    client = _client(staff)

    def status(run: EvaluationRun) -> str:
        return client.get(reverse("evaluation:run_status", args=[run.pk])).content.decode()

    assert "正在评价" in status(first) and "排队中" not in status(first)
    assert "排队中" in status(second) and "前面还有 1 个批次" in status(second)
    assert "前面还有 2 个批次" in status(third)  # the run started after it is not ahead
    page = client.get(reverse("evaluation:run_detail", args=[third.pk])).content.decode()
    assert 'id="queue"' in page and "已等待" in page


def test_a_failed_run_shows_its_error(district, staff):
    run = EvaluationRun.objects.create(
        policies=["tianjin.chuying.2021"], year=2025, as_of=AS_OF, status="failed", error="引擎不可用"
    )
    page = _client(staff).get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "评价失败" in page and "引擎不可用" in page
    reply = _client(staff).get(reverse("evaluation:run_status", args=[run.pk]))
    assert reply["HX-Refresh"] == "true"


@pytest.mark.postgres
@pytest.mark.skipif(_sqlite(), reason="the PostgreSQL engine evaluates a pool kept in PostgreSQL")
def test_a_postgres_pool_can_be_evaluated_in_the_database(district, sync_runner, staff):
    client = _client(staff)
    assert "postgres" in [
        v for v, _l in client.get(reverse("evaluation:index")).context["form"].fields["engine"].choices
    ]
    client.post(reverse("evaluation:index"), _form(engine="postgres", policies=["tianjin.chuying.2021"]))
    run = EvaluationRun.objects.get()
    assert run.engine == "postgres" and run.status == EvaluationRun.Status.DONE
    duck = evaluation_run(policies=["tianjin.chuying.2021"], year=2025, as_of=AS_OF)
    assert run.counts == duck.counts


def test_exported_names_are_never_formulas(run, district, staff):
    """An enterprise named like a formula is written as text in both downloads (lingjun.cellsafe)."""
    hostile = '=HYPERLINK("http://example.com","点击")'
    Enterprise.objects.filter(uscc=district[0]["uscc"]).update(name=hostile, park="@SUM(1)")
    client = _client(staff)
    response = client.get(reverse("evaluation:run_export", args=[run.pk, "xlsx"]))
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        parts = [book.read(n) for n in book.namelist() if n.startswith("xl/worksheets/")]
    assert parts and not any(b"<f>" in p or b"<f " in p for p in parts)
    rows = list(
        openpyxl.load_workbook(io.BytesIO(data), read_only=True)["评价结果"].iter_rows(values_only=True)
    )
    row = next(r for r in rows if r[1] == district[0]["uscc"])
    assert row[0] == "'" + hostile and row[3] == "'@SUM(1)"
    text = b"".join(client.get(reverse("evaluation:run_export", args=[run.pk, "csv"])).streaming_content)
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    row = next(r for r in table if r[1] == district[0]["uscc"])
    assert row[0] == "'" + hostile and row[3] == "'@SUM(1)"


def test_a_twenty_digit_page_of_results_is_a_400(run, staff):
    response = _client(staff).get(reverse("evaluation:run_detail", args=[run.pk]), {"page": "9" * 20})
    assert response.status_code == 400 and "没有这一页" in response.content.decode()
