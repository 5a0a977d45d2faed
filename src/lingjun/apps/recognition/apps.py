"""Recognition (评价认定): batches, applications, reviews, 公示, objections, 公告 and 入库."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lingjun.apps.web.entries import HomeSection, NavEntry, Panel


class RecognitionConfig(AppConfig):
    name = "lingjun.apps.recognition"
    label = "recognition"
    verbose_name = "评价认定"

    nav = (
        NavEntry(
            _("我的申报"),
            "recognition:mine",
            "recognition.apply",
            order=30,
            also=("recognition:application",),
        ),
        NavEntry(
            _("评价认定"),
            "recognition:queue",
            "recognition.queue",
            order=30,
            also=("recognition:batches", "recognition:batch", "recognition:application"),
        ),
    )
    home = (
        HomeSection("recognition/_home.html", "lingjun.apps.recognition.selectors.home_context", order=30),
    )
    enterprise_panels = (Panel("recognition/_enterprise_panel.html", "recognition.view", order=20),)
    demo = "lingjun.apps.recognition.demo.populate"
