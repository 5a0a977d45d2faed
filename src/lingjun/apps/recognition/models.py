"""The tables of recognition (评价认定)."""
