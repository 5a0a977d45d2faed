"""The tables of funds (资金扶持)."""
