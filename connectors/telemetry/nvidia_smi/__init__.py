"""nvidia-smi output: --query-gpu CSV, dmon text, --query-compute-apps CSV."""
