"""Notifications (消息通知): in the app and by e-mail, for deadlines, returns, results and exits."""
