"""Pages of the Revitalisasi selection (parameters, runs, comparison, publication)."""
