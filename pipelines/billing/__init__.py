"""Billing sources, one partitioned asset per source, and the checks that run after each load."""
