"""GPU telemetry and scheduler logs (nvidia-smi, Slurm) into raw tables, by UTC day."""
