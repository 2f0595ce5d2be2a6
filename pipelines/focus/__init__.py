"""FOCUS exports (any provider or converter) into marts.cost_lines."""
