"""The tables of plan (工作推进)."""
