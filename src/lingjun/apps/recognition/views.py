"""The pages of recognition (评价认定): the enterprise's applications, each application's page
(its phase, self-evaluation, evidence, checklist, confirmations, objections, history and the
actions the user may take), the queues of the town, the district and the evaluation agency with
bulk actions over the whole filter, and the batches."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from lingjun.apps.accounts.permissions import can, request_user, requires
from lingjun.apps.paging import capped_page
from lingjun.apps.recognition import services
from lingjun.apps.recognition.flow import (
    PHASE,
    PHASE_CHOICES,
    REPORT,
    TRANSITION,
    phases_of,
    transitions_from,
)
from lingjun.apps.recognition.models import (
    TIERS,
    Application,
    Batch,
    ChecklistItem,
    Evidence,
    Objection,
    ProvisionalConfirmation,
)
from lingjun.apps.recognition.selectors import (
    QueueFilters,
    applications_in_scope,
    batches_open_for_applying,
    phase_counts,
    queue,
    queue_action,
)
from lingjun.apps.recognition.services import RecognitionError

PER_PAGE = 50


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@requires("recognition.view")
def index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if can(user, "recognition.apply"):
        return redirect("recognition:mine")
    return redirect("recognition:queue")


# ------------------------------------------------------------------------------ the enterprise


@requires("recognition.apply")
def mine(request: HttpRequest) -> HttpResponse:
    """企业：open batches to apply in, and its own applications with their phase."""
    user = request_user(request)
    today = timezone.localdate()
    applications = list(
        applications_in_scope(user=user, action="recognition.apply").select_related("batch").order_by("-id")
    )
    applied = {a.batch_id for a in applications}
    batches = [b for b in batches_open_for_applying(today=today) if b.pk not in applied]
    return render(
        request, "recognition/mine.html", {"applications": applications, "batches": batches, "phase": PHASE}
    )


@requires(post="recognition.apply")
def apply(request: HttpRequest, batch_pk: int) -> HttpResponse:
    user = request_user(request)
    batch = get_object_or_404(Batch, pk=batch_pk)
    if user.enterprise is None:
        raise Http404
    try:
        application = services.application_create(batch=batch, enterprise=user.enterprise, user=user)
    except RecognitionError as exc:
        messages.error(request, exc.message)
        return redirect("recognition:mine")
    messages.success(request, _("已创建申报并完成自评：请上传申报材料后提交。"))
    return redirect("recognition:application", app_pk=application.pk)


# ------------------------------------------------------------------------------ one application


def _application(request: HttpRequest, app_pk: int) -> Application:
    user = request_user(request)
    qs = applications_in_scope(user=user, action="recognition.view").select_related("batch", "enterprise")
    return get_object_or_404(qs, pk=app_pk)


def _actions_for(user: Any, application: Application) -> list[Any]:
    """The transitions the user may take on the application now (buttons)."""
    out = []
    for t in transitions_from(application.phase):
        if applications_in_scope(user=user, action=t.action).filter(pk=application.pk).exists():
            out.append(t)
    return out


@requires("recognition.view")
def application_detail(request: HttpRequest, app_pk: int) -> HttpResponse:
    user = request_user(request)
    application = _application(request, app_pk)
    batch = application.batch
    path = phases_of(tier=batch.tier, skip_town=batch.skip_town)
    codes = [p.code for p in path]
    reached = codes.index(application.phase) if application.phase in codes else -1
    may_review = can(user, "recognition.review")
    context = {
        "application": application,
        "batch": batch,
        "enterprise": application.enterprise,
        "phase": PHASE.get(application.phase),
        "path": [(p, i < reached, i == reached) for i, p in enumerate(path)],
        "actions": _actions_for(user, application),
        "report_needed": REPORT,
        "evidence": application.evidence.all(),
        "checklist": application.checklist.all(),
        "checklist_editable": may_review and application.phase == "district_review",
        "self_evaluation": application.self_evaluation,
        "transitions": application.transitions.select_related("evidence").order_by("id"),
        # who objected, and how to reach them, is for the officers only
        "objections": application.objections.select_related("document") if may_review else [],
        "confirmations": application.confirmations.all(),
        "may_review": may_review,
        "may_upload": can(user, "recognition.apply") and application.phase in ("draft", "returned"),
        "may_object": may_review and application.phase in ("publicity", "objection"),
        "may_confirm": may_review
        and bool(batch.provisional)
        and application.phase in ("district_review", "municipal_review", "site_visit", "ready"),
        "today": timezone.localdate(),
        "outcomes": services.OUTCOME_WORDS,
    }
    return render(request, "recognition/application.html", context)


def _back(application: Application) -> HttpResponseRedirect:
    return redirect("recognition:application", app_pk=application.pk)


@requires(post="recognition.view")
def application_transition(request: HttpRequest, app_pk: int) -> HttpResponse:
    """One action on one application (the service checks the action's own permission and scope)."""
    user = request_user(request)
    application = _application(request, app_pk)
    code = request.POST.get("transition", "")
    t = TRANSITION.get(code)
    if t is None or t.system:
        messages.error(request, _("请选择要执行的操作。"))
        return _back(application)
    try:
        evidence = None
        upload = request.FILES.get("file")
        if upload is not None:
            kind = Evidence.Kind.SITE_REPORT if REPORT in t.needs else Evidence.Kind.OTHER
            evidence = services.evidence_store(application=application, upload=upload, kind=kind, user=user)
        services.application_transition(
            application=application,
            transition=code,
            user=user,
            comment=request.POST.get("comment", "")[:2000],
            evidence=evidence,
            expected_phase=request.POST.get("expected_phase") or application.phase,
        )
    except RecognitionError as exc:
        messages.error(request, exc.message)
        return _back(application)
    messages.success(request, _("已办理：%(action)s。") % {"action": t.label})
    return _back(application)


@requires(post="recognition.apply")
def evidence_upload(request: HttpRequest, app_pk: int) -> HttpResponse:
    user = request_user(request)
    application = get_object_or_404(applications_in_scope(user=user, action="recognition.apply"), pk=app_pk)
    files = request.FILES.getlist("files")
    if application.phase not in ("draft", "returned"):
        messages.error(request, _("申报已提交，不能再上传材料。"))
        return _back(application)
    if not files:
        messages.error(request, _("请选择要上传的文件。"))
        return _back(application)
    kind = Evidence.Kind.CORRECTION if application.phase == "returned" else Evidence.Kind.APPLICATION
    try:
        for f in files:
            services.evidence_store(application=application, upload=f, kind=kind, user=user)
    except RecognitionError as exc:
        messages.error(request, exc.message)
        return _back(application)
    messages.success(request, _("已上传 %(n)s 个文件。") % {"n": len(files)})
    return _back(application)


@requires("recognition.view")
def evidence_download(request: HttpRequest, evidence_pk: int) -> HttpResponseBase:
    user = request_user(request)
    visible = Evidence.objects.filter(
        application__in=applications_in_scope(user=user, action="recognition.view")
    )
    if not can(user, "recognition.review"):  # an objector's letter is for the officers only
        visible = visible.exclude(kind=Evidence.Kind.OBJECTION)
    evidence = get_object_or_404(visible, pk=evidence_pk)
    path = services.evidence_path(evidence)
    if not path.exists():
        raise Http404(_("文件已不存在。"))
    return FileResponse(path.open("rb"), as_attachment=True, filename=evidence.name)


@requires("recognition.view")
def certificate(request: HttpRequest, app_pk: int) -> HttpResponseBase:
    application = _application(request, app_pk)
    path = services.certificate_dir() / application.certificate if application.certificate else None
    if path is None or not path.exists():
        messages.error(request, _("该申报尚未入库，没有证书。"))
        return _back(application)
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"证书-{application.registration_number}.pdf"
    )


@requires(post="recognition.review")
def checklist_save(request: HttpRequest, app_pk: int) -> HttpResponse:
    user = request_user(request)
    application = get_object_or_404(applications_in_scope(user=user, action="recognition.review"), pk=app_pk)
    item = ChecklistItem.objects.filter(
        application=application, pk=_int(request.POST.get("item")) or 0
    ).first()
    if item is None:
        messages.error(request, _("请选择审查清单中的条目。"))
        return _back(application)
    try:
        services.checklist_item_set(
            item=item,
            result=request.POST.get("result", ""),
            reason=request.POST.get("reason", "")[:2000],
            user=user,
        )
    except RecognitionError as exc:
        messages.error(request, exc.message)
        return _back(application)
    messages.success(request, _("已保存“%(label)s”的审查结论。") % {"label": item.label})
    return _back(application)


@requires(post="recognition.review")
def provisional_confirm(request: HttpRequest, app_pk: int) -> HttpResponse:
    user = request_user(request)
    application = get_object_or_404(applications_in_scope(user=user, action="recognition.review"), pk=app_pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("请勾选确认后提交。"))
        return _back(application)
    try:
        services.provisional_confirm(
            application=application, user=user, note=request.POST.get("note", "")[:2000]
        )
    except RecognitionError as exc:
        messages.error(request, exc.message)
        return _back(application)
    messages.success(request, _("已确认本户申报依据的暂定参数。"))
    return _back(application)


@requires(post="recognition.review")
def objection_add(request: HttpRequest, app_pk: int) -> HttpResponse:
    user = request_user(request)
    application = get_object_or_404(applications_in_scope(user=user, action="recognition.review"), pk=app_pk)
    received = _date(request.POST.get("received_on")) or timezone.localdate()
    try:
        services.objection_file(
            application=application,
            kind=request.POST.get("kind", ""),
            name=request.POST.get("name", "")[:120],
            contact=request.POST.get("contact", "")[:120],
            content=request.POST.get("content", "")[:5000],
            id_number=request.POST.get("id_number", "")[:18],
            received_on=received,
            document=request.FILES.get("document"),
            user=user,
        )
    except RecognitionError as exc:
        messages.error(request, exc.message)
        return _back(application)
    messages.success(request, _("已登记异议，申报转入异议处理。"))
    return _back(application)


@requires(post="recognition.review")
def objection_resolve(request: HttpRequest, objection_pk: int) -> HttpResponse:
    user = request_user(request)
    objection = get_object_or_404(
        Objection.objects.filter(
            application__in=applications_in_scope(user=user, action="recognition.review")
        ),
        pk=objection_pk,
    )
    try:
        services.objection_resolve(
            objection=objection,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", "")[:2000],
            user=user,
        )
    except RecognitionError as exc:
        messages.error(request, exc.message)
        return _back(objection.application)
    messages.success(request, _("已记录异议处理结果。"))
    return _back(objection.application)


# ------------------------------------------------------------------------------------- queues


def _filters(params: Any) -> QueueFilters:
    phase = params.get("phase", "")
    return QueueFilters(
        batch=_int(params.get("batch")),
        phase=phase if phase in PHASE else "",
        town=params.get("town", "")[:64],
        q=params.get("q", "").strip()[:100],
    )


def _filter_query(f: QueueFilters) -> str:
    return urlencode(
        {k: v for k, v in (("batch", f.batch or ""), ("phase", f.phase), ("town", f.town), ("q", f.q)) if v}
    )


@requires(get="recognition.queue", post="recognition.queue")
def queue_view(request: HttpRequest) -> HttpResponse:
    """The queue of the user's role: filters, counts per phase, a page of rows, and bulk actions
    that apply to every application matching the filter (not only this page)."""
    user = request_user(request)
    if request.method == "POST":
        filters = _filters(request.POST)
        code = request.POST.get("transition", "")
        try:
            n = services.application_bulk_transition(
                applications=queue(user=user, filters=filters),
                transition=code,
                user=user,
                comment=request.POST.get("comment", "")[:2000],
            )
        except RecognitionError as exc:
            messages.error(request, exc.message)
        else:
            label = TRANSITION[code].label
            messages.success(request, _("已批量办理“%(action)s”：%(n)s 户。") % {"action": label, "n": n})
        return HttpResponseRedirect(reverse("recognition:queue") + "?" + _filter_query(filters))
    filters = _filters(request.GET)
    rows = queue(user=user, filters=filters)
    unphased = queue(user=user, filters=QueueFilters(filters.batch, "", filters.town, filters.q))
    page = capped_page(
        rows.select_related("batch", "enterprise").order_by("-changed_at", "-id"),
        page=_int(request.GET.get("page")) or 1,
        per_page=PER_PAGE,
        count_cap=100_000,
    )
    bulk = [
        t
        for t in {t.code: t for t in TRANSITION.values()}.values()
        if t.bulk and can(user, t.action) and (not filters.phase or t.source == filters.phase)
    ]
    context = {
        "page": page,
        "filters": filters,
        "query": _filter_query(filters),
        "counts": phase_counts(unphased),
        "phases": PHASE_CHOICES,
        "batches": Batch.objects.exclude(status=Batch.Status.DRAFT).order_by("-year", "tier", "-sequence"),
        "bulk": bulk,
        "phase": PHASE,
        "role_action": queue_action(user),
    }
    return render(request, "recognition/queue.html", context)


# ------------------------------------------------------------------------------------ batches


@requires(get="recognition.queue", post="recognition.batch")
def batches(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        try:
            batch = services.batch_create(
                tier=request.POST.get("tier", ""),
                year=_int(request.POST.get("year")) or 0,
                sequence=_int(request.POST.get("sequence")) or 1,
                opens_on=_date(request.POST.get("opens_on")) or date.min,
                closes_on=_date(request.POST.get("closes_on")) or date.min,
                skip_town=request.POST.get("skip_town") == "1",
                municipal_rejection_limit=_int(request.POST.get("municipal_rejection_limit")),
                name=request.POST.get("name", "")[:120],
                user=user,
            )
        except RecognitionError as exc:
            messages.error(request, exc.message)
            return redirect("recognition:batches")
        messages.success(request, _("已创建批次“%(name)s”。") % {"name": batch.name})
        return redirect("recognition:batch", batch_pk=batch.pk)
    rows = Batch.objects.order_by("-year", "tier", "-sequence")
    today = timezone.localdate()
    return render(
        request,
        "recognition/batches.html",
        {"batches": rows, "tiers": TIERS, "may_manage": can(user, "recognition.batch"), "year": today.year},
    )


BATCH_OPS = {
    "open": "recognition.batch",
    "remind": "recognition.batch",
    "close": "recognition.batch",
    "publicity": "recognition.publish",
    "announce": "recognition.publish",
    "enter": "recognition.publish",
}


@requires(get="recognition.queue", post="recognition.queue")
def batch_detail(request: HttpRequest, batch_pk: int) -> HttpResponse:
    user = request_user(request)
    batch = get_object_or_404(Batch, pk=batch_pk)
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op not in BATCH_OPS or not can(user, BATCH_OPS[op]):
            messages.error(request, _("您不能对批次执行这一操作。"))
            return redirect("recognition:batch", batch_pk=batch.pk)
        try:
            if op == "open":
                services.batch_open(batch=batch, user=user)
            elif op == "close":
                services.batch_close(batch=batch, user=user)
            elif op == "remind":
                n = services.batch_remind(batch=batch)
                messages.success(request, _("已提醒 %(n)s 位企业用户。") % {"n": n})
                return redirect("recognition:batch", batch_pk=batch.pk)
            elif op == "publicity":
                starts = _date(request.POST.get("starts_on")) or timezone.localdate()
                services.batch_publicity_start(batch=batch, starts_on=starts, user=user)
            elif op == "announce":
                services.batch_announce(batch=batch, user=user)
            else:
                services.batch_enter(batch=batch, user=user)
        except RecognitionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已办理。"))
        return redirect("recognition:batch", batch_pk=batch.pk)
    scoped = applications_in_scope(user=user, action="recognition.queue").filter(batch=batch)
    listed = scoped.filter(phase__in=("publicity", "objection", "announced", "entered")).select_related(
        "enterprise"
    )
    confirmed = {c.application_id: c for c in ProvisionalConfirmation.objects.filter(application__in=listed)}
    context = {
        "batch": batch,
        "counts": [c for c in phase_counts(scoped) if c[2]],
        "listed": [(a, confirmed.get(a.pk)) for a in listed.order_by("enterprise__uscc")],
        "unconfirmed": services.unconfirmed(scoped.filter(phase="ready"), batch).select_related("enterprise")[
            :50
        ],
        "may_manage": can(user, "recognition.batch"),
        "may_publish": can(user, "recognition.publish"),
        "today": timezone.localdate(),
        "path": phases_of(tier=batch.tier, skip_town=batch.skip_town),
    }
    return render(request, "recognition/batch.html", context)
