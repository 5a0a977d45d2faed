"""The tables of publishing (公示公告)."""
