"""tocta."""
