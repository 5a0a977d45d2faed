from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "lingjun.apps.enterprises"
    label = "enterprises"
    verbose_name = "企业库"
