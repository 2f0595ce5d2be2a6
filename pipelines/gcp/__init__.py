"""GCP Cloud Billing export sources."""
