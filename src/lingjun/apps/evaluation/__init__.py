"""evaluation app."""
