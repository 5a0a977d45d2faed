"""Working days (工作日历): the Chinese public holidays and adjusted working days, for 公示 periods and deadlines."""
