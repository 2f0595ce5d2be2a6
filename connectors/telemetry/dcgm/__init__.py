"""dcgm-exporter metrics: Prometheus text scrapes or a range-query JSON."""
