"""Recognition's refusals: :class:`RecognitionError` (a machine ``code`` and a Chinese message,
shown as it is), :class:`ApplicationChanged` (someone moved the application first), and the
messages of every refused step, in one place so that the pages and the tests quote the same words.
"""

from __future__ import annotations

# ------------------------------------------------------------------------------------ errors


class RecognitionError(Exception):
    """A refused step, with a machine ``code`` and a Chinese message (shown as it is)."""

    code = "recognition"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class ApplicationChanged(RecognitionError):
    """Someone else moved the application first (the conditional update changed no row)."""

    code = "changed"


BATCH_NOT_OPEN = "批次“{batch}”当前不在申报期内（{opens}至{closes}，状态：{status}），不能申报。"
ALREADY_APPLIED = "该企业已在批次“{batch}”中申报，请在“我的申报”中继续办理。"
REJECTED_THRICE = "该企业的{tier}申报已{n}次未通过市级评审，按{source}规定不能再次申报。"
REJECTED_THRICE_RESUBMIT = "该申报已{n}次未通过市级评审，按{source}规定不能再次提交。"
CHANGED = "该申报已被{who}办理（现处于“{phase}”环节），您的操作未执行。请刷新页面查看最新情况。"
WRONG_PHASE = "该申报处于“{phase}”环节，不能执行“{action}”。"
NOT_ALLOWED = "您没有“{action}”的权限，或该申报不在您的管辖范围内。"
NEEDS_COMMENT = "请填写“{action}”的理由。"
NEEDS_EVIDENCE = "请先上传申报材料（至少一个文件）再提交。"
NEEDS_REPORT = "请上传现场考察报告。"
CHECKLIST_OPEN = "审查清单中以下必备条件未判定为符合：{items}。请逐条审查（与系统判断不同时写明理由），或选择退回、不通过。"
CHECKLIST_REASON = "审查结论与系统判断不同，须写明理由。"
BAD_OUTCOME = "审查结论只能是：符合、不符合、需补充材料。"
FILE_TOO_BIG = "文件“{name}”大小为 {size:.1f} MB，超过上限 {limit} MB。"
FILE_EMPTY = "文件“{name}”是空文件。"
FILE_TYPE = "文件“{name}”的类型不被接受：请上传 PDF、图片（JPG/PNG）、Word、Excel 或 ZIP 文件。"
PROVISIONAL_UNCONFIRMED = (
    "以下申报依据的暂定参数（{items}）尚未逐户确认，不能发布公示：{names}。请在每户申报的审查页确认暂定参数。"
)
NOTHING_TO_PUBLICIZE = "本批次没有待公示的申报。"
PUBLICITY_NOT_OVER = "公示期至 {ends} 结束，公示期满后才能发布公告。"
OBJECTIONS_OPEN = "以下申报还有未处理的异议，处理完毕后才能发布公告：{names}。"
OBJECTION_LATE = "公示期已于 {ends} 结束，{received} 收到的异议不予受理。"
OBJECTION_EARLY = "公示于 {starts} 开始，{received} 不在公示期内。"
OBJECTION_NOT_IN_PUBLICITY = "该申报不在公示期内，不能登记异议。"
OBJECTION_UNIT_SEAL = "单位提出异议须附加盖公章的书面材料。"
OBJECTION_PERSON_NAME = "个人提出异议须署真实姓名（2至30个字）。"
OBJECTION_PERSON_ID = "身份证号码“{value}”无效：须为18位，且最后一位校验码符合 GB 11643。"
OBJECTION_FIELDS = "请填写联系方式和异议内容。"
OBJECTION_RESOLVED = "该异议已处理（{outcome}），不能再次处理。"
OBJECTION_OUTCOME = "请选择处理结果并写明处理意见。"
NOTHING_TO_ANNOUNCE = "本批次没有可公告的申报。"
NOTHING_TO_ENTER = "本批次没有已公告待入库的申报。"
BATCH_STATUS = "批次处于“{status}”状态，不能{what}。"
BATCH_DATES = "申报截止日期不能早于开始日期。"
BATCH_EXISTS = "{year}年{tier}第{sequence}批已存在。"
NO_POLICY = "{year}年没有适用于{tier}的政策：{detail}"
BULK_NOT_ALLOWED = "“{action}”须逐户办理，不能批量执行。"
