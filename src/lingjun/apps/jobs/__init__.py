"""Durable background jobs (后台任务): evaluation runs, large imports and exports."""
