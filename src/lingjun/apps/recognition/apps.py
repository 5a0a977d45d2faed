from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "lingjun.apps.recognition"
    label = "recognition"
    verbose_name = "评价认定"
