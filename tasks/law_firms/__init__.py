"""Panel law firms: the panel file, placements of cases with firms, and the lawyer's letter."""
