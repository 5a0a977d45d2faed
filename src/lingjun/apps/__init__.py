"""Django apps of the platform; each owns its tables, services and selectors."""
