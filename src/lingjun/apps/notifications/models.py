"""The tables of notifications (消息通知)."""
