from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lingjun.apps.web.entries import NavEntry, Panel


class CultivationConfig(AppConfig):
    name = "lingjun.apps.cultivation"
    label = "cultivation"
    verbose_name = "培育服务"

    nav = (
        NavEntry(
            _("培育服务"),
            "cultivation:home",
            "cultivation.view",
            order=40,
            also=("cultivation:enterprise", "cultivation:plan_detail", "cultivation:candidates"),
        ),
        NavEntry(
            _("企业诉求"),
            "cultivation:my_requests",
            "requests.submit",
            order=45,
            also=("cultivation:my_request",),
        ),
        NavEntry(
            _("诉求办理"),
            "cultivation:requests",
            "requests.handle",
            order=46,
            also=("cultivation:request_detail",),
            badge="lingjun.apps.cultivation.selectors.open_request_count",
        ),
    )
    enterprise_panels = (Panel("cultivation/_enterprise_panel.html", "cultivation.view", order=30),)
    demo = "lingjun.apps.cultivation.services.demo_cultivation"
