"""Forms of the web pages.

The dossier edit forms carry raw text only: every value goes, as typed, into
:func:`lingjun.dossier.validate.parse_dossier` together with the rest of the dossier, so the web
form, the file import and the API accept and refuse exactly the same things with the same Chinese
messages. :func:`apply_problems` puts each problem back on the form field it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from lingjun.apps.divisions.selectors import division_names
from lingjun.apps.paging import MAX_PAGE
from lingjun.apps.web.uploads import upload_max_bytes
from lingjun.dossier.limits import size_text
from lingjun.dossier.schema import ANNUAL, CREDIT_FIELDS, ENTERPRISE, QUALIFICATIONS, FieldSpec, Section
from lingjun.dossier.validate import FieldProblem, plain_decimal

# ------------------------------------------------------------------------------------ list filter

SORT_CHOICES = [
    ("name", _("企业名称 ↑")),
    ("-name", _("企业名称 ↓")),
    ("uscc", _("统一社会信用代码 ↑")),
    ("-uscc", _("统一社会信用代码 ↓")),
    ("registered_on", _("成立日期 ↑")),
    ("-registered_on", _("成立日期 ↓")),
    ("town", _("所属镇街 ↑")),
    ("-town", _("所属镇街 ↓")),
]


def _division_choices(kinds: Iterable[str], empty: str, current: str = "") -> list[tuple[str, str]]:
    names = division_names(kinds=kinds)
    if current and current not in names:
        names.append(current)
    return [("", empty), *((n, n) for n in names)]


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_("企业名称或统一社会信用代码"), required=False, max_length=100)
    town = forms.ChoiceField(label=_("所属镇街"), required=False)
    park = forms.ChoiceField(label=_("所属园区"), required=False)
    industry = forms.CharField(
        label=_("行业代码"),
        required=False,
        max_length=5,
        validators=[RegexValidator(r"^[A-Za-z]\d{0,4}$", _("行业代码应为门类字母加最多4位数字，如 C35。"))],
        help_text=_("国民经济行业代码前缀，如 C35"),
    )
    qualification = forms.ChoiceField(
        label=_("资质（今日有效）"),
        required=False,
        choices=[("", _("全部")), *((c.value, c.label) for c in QUALIFICATIONS.field("kind").choices)],
    )
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_town = self.fields["town"]
        field_park = self.fields["park"]
        assert isinstance(field_town, forms.ChoiceField) and isinstance(field_park, forms.ChoiceField)
        field_town.choices = _division_choices(("street", "town"), str(_("全部镇街")))
        field_park.choices = _division_choices(("park",), str(_("全部园区")))


# -------------------------------------------------------------------------------- dossier editing

BOOL_CHOICES = [("", _("未填报")), ("true", _("是")), ("false", _("否"))]


def _raw(spec: FieldSpec, value: Any) -> str:
    """A typed dossier value as the text a form field holds."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if value else "无"
    return str(value)


#: characters a form field takes at most: above every schema max_length, so that the dossier
#: validator, not Django, says what is too long (the same message as on import)
MAX_INPUT = 1000


def spec_field(spec: FieldSpec, *, current: Any = None) -> forms.Field:
    """A text form field for a schema field; the dossier validator checks the value, not Django."""
    label = spec.label + (f"（{spec.unit}）" if spec.unit else "")
    attrs: dict[str, str] = {}
    widget: forms.Widget
    if spec.type == "bool":
        widget = forms.Select(choices=BOOL_CHOICES)
    elif spec.type == "enum":
        widget = forms.Select(choices=[("", _("未填报")), *((c.value, c.label) for c in spec.choices)])
    elif spec.name in {"town", "park"}:
        kinds = ("street", "town") if spec.name == "town" else ("park",)
        widget = forms.Select(choices=_division_choices(kinds, str(_("未填报")), current or ""))
    elif spec.type == "date":
        widget = forms.DateInput(attrs={"type": "date"})
    else:
        if spec.type in {"decimal", "int"}:
            attrs["inputmode"] = "decimal" if spec.type == "decimal" else "numeric"
            attrs["class"] = "num"
        widget = forms.TextInput(attrs=attrs)
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=MAX_INPUT,  # a bound on the request; the schema's max_length is the validator's
        widget=widget,
        help_text=spec.help,
    )


BASIC_FIELDS: tuple[FieldSpec, ...] = tuple(f for f in ENTERPRISE.fields if f.name != "uscc")


class BasicInfoForm(forms.Form):
    """基本信息 and 信用情况 of one enterprise (the USCC is the key and is not editable here)."""

    def __init__(self, *args: Any, dossier: Mapping[str, Any], **kwargs: Any) -> None:
        credit = dossier.get("credit") or {}
        values = {f.name: (credit if f.name in CREDIT_FIELDS else dossier).get(f.name) for f in BASIC_FIELDS}
        kwargs.setdefault("initial", {n: _raw(ENTERPRISE.field(n), v) for n, v in values.items()})
        super().__init__(*args, **kwargs)
        for spec in BASIC_FIELDS:
            self.fields[spec.name] = spec_field(spec, current=values.get(spec.name))
        self.required_names = {f.name for f in BASIC_FIELDS if f.required}

    def basic_names(self) -> list[str]:
        return [f.name for f in BASIC_FIELDS if f.name not in CREDIT_FIELDS]

    def credit_names(self) -> list[str]:
        return [f.name for f in BASIC_FIELDS if f.name in CREDIT_FIELDS]

    def apply_to(self, dossier: dict[str, Any]) -> None:
        """Put the typed text into ``dossier`` (top-level fields and ``credit``)."""
        credit = dict(dossier.get("credit") or {})
        for spec in BASIC_FIELDS:
            raw = self.cleaned_data.get(spec.name, "")
            target = credit if spec.name in CREDIT_FIELDS else dossier
            target[spec.name] = raw
        dossier["credit"] = credit


class SectionRowForm(forms.Form):
    """One row of a list section; the fields are added from the schema by :func:`section_formset`."""

    section: Section

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for spec in self.section.fields:
            self.fields[spec.name] = spec_field(spec)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return all(not str(data.get(f.name) or "").strip() for f in self.section.fields)


class SectionFormSet(BaseFormSet):
    section: Section

    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        """(form index, raw row) of the rows to keep: not deleted, not left blank."""
        kept = []
        for i, form in enumerate(self.forms):
            if not form.is_valid() or form.cleaned_data.get("DELETE") or form.is_blank():
                continue
            kept.append((i, {f.name: form.cleaned_data.get(f.name, "") for f in self.section.fields}))
        return kept

    def transposed(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Field label → the bound field of every form (for a table with one column per form)."""
        return [
            (self.forms[0][f.name].label if self.forms else f.label, [form[f.name] for form in self.forms])
            for f in self.section.fields
        ]


def section_formset(section: Section) -> type[SectionFormSet]:
    form = type(f"{section.key.title()}RowForm", (SectionRowForm,), {"section": section})
    formset = cast(
        type[SectionFormSet],
        formset_factory(form, formset=SectionFormSet, extra=0, can_delete=True, max_num=500),
    )
    formset.section = section
    return formset


def section_initial(section: Section, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [{f.name: _raw(f, r.get(f.name)) for f in section.fields} for r in rows]


def add_blank_form(data: Any, prefix: str) -> Any:
    """A copy of the POST data with one more (empty) form in the formset ``prefix``."""
    copy = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    copy[key] = str(int(copy.get(key) or 0) + 1)
    return copy


def _problem_text(problem: FieldProblem) -> str:
    return f"{problem.label}：{problem.message}" if problem.label else problem.message


def apply_problems(
    problems: Sequence[FieldProblem],
    *,
    basic: BasicInfoForm | None = None,
    formset: SectionFormSet | None = None,
    row_forms: Sequence[int] = (),
) -> list[str]:
    """Put each validator problem on its form field; returns those that fit no field on the page.

    ``row_forms[i]`` is the index of the form that produced row ``i`` of ``formset``'s section.
    """
    elsewhere: list[str] = []
    for p in problems:
        head = p.path[0] if p.path else ""
        if basic is not None and head == "credit" and len(p.path) >= 2 and p.path[1] in basic.fields:
            basic.add_error(str(p.path[1]), p.message)
        elif basic is not None and isinstance(head, str) and head in basic.fields:
            basic.add_error(head, p.message)
        elif formset is not None and head == formset.section.key and p.row_index is not None:
            form = formset.forms[row_forms[p.row_index]]
            name = p.path[2] if len(p.path) >= 3 else None
            if isinstance(name, str) and name in form.fields:
                form.add_error(name, p.message)
            else:
                form.add_error(None, _problem_text(p))
        else:
            section = p.section
            where = section.label
            if p.row_index is not None:
                where += f" 第{p.row_index + 1}行"
            elsewhere.append(f"{where}：{_problem_text(p)}")
    return elsewhere


# ---------------------------------------------------------------------------------------- import

IMPORT_SUFFIXES = (".jsonl", ".xlsx")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("企业档案文件"),
        help_text=_("JSON Lines（.jsonl，UTF-8）或 Excel 导入模板（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_SUFFIXES)}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the browser refuses a file above the limit before uploading it (lingjun.js); the
        # server refuses it too, while it streams in (lingjun.apps.web.uploads)
        limit = upload_max_bytes()
        self.fields["file"].widget.attrs.update(
            {
                "data-max-bytes": str(limit),
                "data-too-large": _("文件过大：上限为%(limit)s。请分批导入。") % {"limit": size_text(limit)},
            }
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in IMPORT_SUFFIXES:
            raise forms.ValidationError(
                _("不支持的文件格式“%(suffix)s”：请上传 .jsonl（JSON Lines）或 .xlsx（Excel 模板）文件。"),
                params={"suffix": suffix or upload.name},
                code="format",
            )
        return upload


ANNUAL_FORMSET = section_formset(ANNUAL)
