"""GCP Cloud Billing exports: files (JSON lines, CSV, parquet) or BigQuery, and the Cloud
Catalog's on-demand prices for spot SKUs."""
