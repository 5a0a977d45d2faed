"""The pages of funds (资金扶持)."""
