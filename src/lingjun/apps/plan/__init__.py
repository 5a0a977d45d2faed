"""The programme's plan (工作推进): targets, department tasks, growth monitoring and the dashboard."""
