"""The pages of plan (工作推进)."""
