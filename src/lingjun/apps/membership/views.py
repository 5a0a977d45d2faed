"""The pages of membership (入库企业管理)."""
