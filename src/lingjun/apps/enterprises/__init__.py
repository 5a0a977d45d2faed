"""enterprises app."""
