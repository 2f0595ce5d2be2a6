"""SQL models and checks from sql/, run by dbt_like, as Dagster assets and asset checks."""
