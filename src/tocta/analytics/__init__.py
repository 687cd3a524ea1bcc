"""Analytics: estimators over records the reader may see (no store, no simulator)."""
