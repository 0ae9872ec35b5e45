"""Filters, candidate generation, the batch pipeline, ranking and Dask scale-out."""
