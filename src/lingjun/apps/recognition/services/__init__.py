"""Recognition (评价认定): batches, applications and the one state machine that moves them.

The parts, each its own module (lower ones never import the ones above them):

- :mod:`.errors`: the refusals (:class:`RecognitionError`, :class:`ApplicationChanged`) and their messages;
- :mod:`.notify`: messages to the enterprises about their applications;
- :mod:`.files`: evidence storage (uploads, bounded size, known types);
- :mod:`.batches`: batches opened and closed, the policy and parameters they fix, the reminder;
- :mod:`.applications`: the engine's evaluation of an enterprise, an application started;
- :mod:`.transitions`: the state machine (:func:`application_transition`, its set-based twin
  :func:`application_bulk_transition`) and the audit rows they write;
- :mod:`.review`: the district's checklist and the confirmation of provisional parameters;
- :mod:`.publicity`: the 公示 and 公告 lists;
- :mod:`.objections`: objections during the 公示 (with the GB 11643 ID number check);
- :mod:`.entry`: 入库 and the certificate PDF.

Every change of an application's phase goes through :func:`application_transition` or
:func:`application_bulk_transition`. Other apps do their part: working days (workdays), messages
(notifications), the 入库 record and its number (membership), the 公示/公告 lists (publishing).
Callers import from here (``from lingjun.apps.recognition.services import …``).
"""

from lingjun.apps.recognition.services.applications import (
    application_create,
    engine_evaluation,
    municipal_rejections_of,
)
from lingjun.apps.recognition.services.batches import (
    batch_close,
    batch_create,
    batch_open,
    batch_remind,
    provisional_items,
)
from lingjun.apps.recognition.services.entry import (
    batch_enter,
    certificate_dir,
    certificate_html,
    certificate_render,
)
from lingjun.apps.recognition.services.errors import (
    ALREADY_APPLIED,
    BAD_OUTCOME,
    BATCH_DATES,
    BATCH_EXISTS,
    BATCH_NOT_OPEN,
    BATCH_STATUS,
    BULK_NOT_ALLOWED,
    CHANGED,
    CHECKLIST_OPEN,
    CHECKLIST_REASON,
    FILE_EMPTY,
    FILE_TOO_BIG,
    FILE_TYPE,
    NEEDS_COMMENT,
    NEEDS_EVIDENCE,
    NEEDS_REPORT,
    NO_POLICY,
    NOT_ALLOWED,
    NOTHING_TO_ANNOUNCE,
    NOTHING_TO_ENTER,
    NOTHING_TO_PUBLICIZE,
    OBJECTION_EARLY,
    OBJECTION_FIELDS,
    OBJECTION_LATE,
    OBJECTION_NOT_IN_PUBLICITY,
    OBJECTION_OUTCOME,
    OBJECTION_PERSON_ID,
    OBJECTION_PERSON_NAME,
    OBJECTION_RESOLVED,
    OBJECTION_UNIT_SEAL,
    OBJECTIONS_OPEN,
    PROVISIONAL_UNCONFIRMED,
    PUBLICITY_NOT_OVER,
    REJECTED_THRICE,
    REJECTED_THRICE_RESUBMIT,
    WRONG_PHASE,
    ApplicationChanged,
    RecognitionError,
)
from lingjun.apps.recognition.services.files import (
    ALLOWED_SUFFIXES,
    evidence_dir,
    evidence_path,
    evidence_store,
)
from lingjun.apps.recognition.services.notify import notify_enterprises, notify_later
from lingjun.apps.recognition.services.objections import id_number_valid, objection_file, objection_resolve
from lingjun.apps.recognition.services.publicity import batch_announce, batch_publicity_start, publicity_end
from lingjun.apps.recognition.services.review import (
    OUTCOME_WORDS,
    checklist_item_set,
    provisional_confirm,
    unconfirmed,
)
from lingjun.apps.recognition.services.transitions import application_bulk_transition, application_transition

__all__ = [
    "ALLOWED_SUFFIXES",
    "ALREADY_APPLIED",
    "ApplicationChanged",
    "BAD_OUTCOME",
    "BATCH_DATES",
    "BATCH_EXISTS",
    "BATCH_NOT_OPEN",
    "BATCH_STATUS",
    "BULK_NOT_ALLOWED",
    "CHANGED",
    "CHECKLIST_OPEN",
    "CHECKLIST_REASON",
    "FILE_EMPTY",
    "FILE_TOO_BIG",
    "FILE_TYPE",
    "NEEDS_COMMENT",
    "NEEDS_EVIDENCE",
    "NEEDS_REPORT",
    "NOTHING_TO_ANNOUNCE",
    "NOTHING_TO_ENTER",
    "NOTHING_TO_PUBLICIZE",
    "NOT_ALLOWED",
    "NO_POLICY",
    "OBJECTIONS_OPEN",
    "OBJECTION_EARLY",
    "OBJECTION_FIELDS",
    "OBJECTION_LATE",
    "OBJECTION_NOT_IN_PUBLICITY",
    "OBJECTION_OUTCOME",
    "OBJECTION_PERSON_ID",
    "OBJECTION_PERSON_NAME",
    "OBJECTION_RESOLVED",
    "OBJECTION_UNIT_SEAL",
    "OUTCOME_WORDS",
    "PROVISIONAL_UNCONFIRMED",
    "PUBLICITY_NOT_OVER",
    "REJECTED_THRICE",
    "REJECTED_THRICE_RESUBMIT",
    "RecognitionError",
    "WRONG_PHASE",
    "application_bulk_transition",
    "application_create",
    "application_transition",
    "batch_announce",
    "batch_close",
    "batch_create",
    "batch_enter",
    "batch_open",
    "batch_publicity_start",
    "batch_remind",
    "certificate_dir",
    "certificate_html",
    "certificate_render",
    "checklist_item_set",
    "engine_evaluation",
    "evidence_dir",
    "evidence_path",
    "evidence_store",
    "id_number_valid",
    "municipal_rejections_of",
    "notify_enterprises",
    "notify_later",
    "objection_file",
    "objection_resolve",
    "provisional_confirm",
    "provisional_items",
    "publicity_end",
    "unconfirmed",
]
