"""Kubernetes snapshots: kubectl get pods/nodes -o json."""
