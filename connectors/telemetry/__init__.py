"""GPU telemetry and scheduler logs: one folder per tool, one reader over all of them."""
