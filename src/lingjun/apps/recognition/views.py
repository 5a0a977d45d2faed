"""The pages of recognition (评价认定)."""
