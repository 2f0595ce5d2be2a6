"""Saved pages of model providers' admin APIs (costs and token usage), read like a bill."""
