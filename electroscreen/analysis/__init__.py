"""Notebook-facing readers of finished runs: screening triage, one candidate up close, model review.

Reads what ``train`` and ``screen`` left in the tracking store; may import every subpackage but the CLI.
"""
