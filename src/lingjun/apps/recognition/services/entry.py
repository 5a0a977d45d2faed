"""入库: the announced applications become members of their tier (membership gives the
registration number), each with its certificate (证书) PDF.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.membership.services import MembershipError, membership_enter
from lingjun.apps.recognition.flow import TRANSITION
from lingjun.apps.recognition.models import Application, Batch
from lingjun.apps.recognition.services.errors import BATCH_STATUS, NOTHING_TO_ENTER, RecognitionError
from lingjun.apps.recognition.services.notify import notify_later
from lingjun.apps.recognition.services.transitions import application_transition


def batch_enter(*, batch: Batch, user: User, valid_from: date | None = None) -> int:
    """入库: every announced application becomes a member of its tier (``membership_enter``, which
    gives the registration number), with its certificate (PDF). Returns how many entered."""
    if batch.status != Batch.Status.ANNOUNCED:
        raise RecognitionError(BATCH_STATUS.format(status=batch.get_status_display(), what="入库"), "status")
    valid_from = valid_from or batch.announced_on or timezone.localdate()
    announced = list(batch.applications.filter(phase="announced").select_related("enterprise", "batch"))
    if not announced:
        raise RecognitionError(NOTHING_TO_ENTER, "empty")
    for application in announced:
        with transaction.atomic():
            member_id, number = _membership_enter(application=application, valid_from=valid_from, user=user)
            application_transition(
                application=application,
                transition="enter",
                user=user,
                comment=f"入库登记编号 {number}",
                expected_phase="announced",
                notify=False,
            )
            Application.objects.filter(pk=application.pk).update(
                registration_number=number, membership_id=member_id
            )
            application.refresh_from_db()
        certificate_render(application=application)
    ids = [a.enterprise_id for a in announced]
    notify_later(enterprise_ids=ids, batch_id=batch.pk, t=TRANSITION["enter"], target="entered", comment="")
    batch.status = Batch.Status.DONE
    batch.save(update_fields=["status"])
    return len(announced)


def certificate_dir() -> Path:
    path = Path(settings.LINGJUN_HOME) / "recognition" / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def certificate_html(*, application: Application) -> str:
    from django.template.loader import render_to_string

    return render_to_string(
        "recognition/certificate.html",
        {
            "application": application,
            "enterprise": application.enterprise,
            "batch": application.batch,
            "tier_label": application.batch.tier_label,
            "issued_on": application.batch.announced_on or timezone.localdate(),
        },
    )


def certificate_render(*, application: Application) -> Path:
    """The certificate (证书) PDF: title, enterprise, tier, registration number, date, seal area."""
    from weasyprint import HTML

    path = certificate_dir() / f"certificate-{application.pk}.pdf"
    HTML(string=certificate_html(application=application)).write_pdf(path)
    Application.objects.filter(pk=application.pk).update(certificate=path.name)
    application.certificate = path.name
    return path


def _membership_enter(*, application: Application, valid_from: date, user: User) -> tuple[int, str]:
    """The 入库 record (membership's service gives the registration number)."""
    try:
        member = membership_enter(
            enterprise_id=application.enterprise_id,
            tier=application.batch.tier,
            valid_from=valid_from,
            valid_until=None,
            source=f"recognition:{application.batch_id}",
            user=user,
            registration_number=None,
        )
    except MembershipError as exc:
        raise RecognitionError(f"{application.enterprise.name}：{exc.message}", "membership") from exc
    return member.pk, member.registration_number
