"""Configs, MLflow tracking helpers and plots."""
