"""The report page as a Dagster asset, rebuilt after the marts each night."""
