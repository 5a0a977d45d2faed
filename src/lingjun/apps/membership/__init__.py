"""Pool membership (入库企业动态管理): who is in which tier, from when to when, and why they left."""
