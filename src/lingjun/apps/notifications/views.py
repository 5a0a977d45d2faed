"""The pages of notifications (消息通知)."""
