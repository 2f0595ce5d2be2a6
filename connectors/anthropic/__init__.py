"""Anthropic's Admin API cost report and messages usage report pages."""
