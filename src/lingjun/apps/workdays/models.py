"""The tables of workdays (工作日历)."""
