"""Support funds (资金扶持): measures, budgets, claims (免申即享 proposals), approvals and the ledger."""
