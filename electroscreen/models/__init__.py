"""Tasks, scikit-learn and torch estimators, uncertainty and evaluation."""
