from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "lingjun.apps.evaluation"
    label = "evaluation"
    verbose_name = "评价"
