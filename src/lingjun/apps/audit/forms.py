from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.paging import MAX_PAGE


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("操作"), required=False, choices=[("", _("全部操作")), *AuditEvent.Action.choices]
    )
    username = forms.CharField(label=_("用户名"), required=False, max_length=150)
    ip = forms.GenericIPAddressField(label=_("来源地址"), required=False)
    since = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)
