"""The tables of cultivation (培育服务)."""
