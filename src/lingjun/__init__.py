"""领军 (Lingjun): platform for 《武清区创新型企业领军计划》.

Sub-packages that never import Django: ``lingjun.dossier`` (the interchange format) and
``lingjun.rules`` (rules-as-code). Django apps live under ``lingjun.apps``.
"""

__version__ = "0.1.0"
