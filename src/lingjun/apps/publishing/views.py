"""The pages of publishing (公示公告)."""
