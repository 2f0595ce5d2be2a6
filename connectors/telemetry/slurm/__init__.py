"""Slurm accounting: sacct --parsable2."""
