"""Budget evaluation and alerts, after every load."""
