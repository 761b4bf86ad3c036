"""Rate limits and token/cost budgets: one protocol, an in-process and a Redis backend."""
