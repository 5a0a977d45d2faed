"""企业档案 (enterprise dossier): the interchange format of ../shared/data-dictionary.md.

Pure Python (no Django): schema, USCC check, validation, JSON Lines and Excel I/O, and the
tabular (Arrow) form that the rules engine evaluates.
"""
