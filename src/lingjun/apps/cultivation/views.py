"""The pages of cultivation (培育服务)."""
