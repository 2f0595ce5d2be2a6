"""FOCUS 1.0-1.3 exports, from any provider or converter."""
