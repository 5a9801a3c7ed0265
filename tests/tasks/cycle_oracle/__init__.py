"""The oracle test of issue 15: the set-based SQL daily cycle against the per-case reference
evaluator (tasks/cycle/evaluate.py), over random valid policies, portfolios and days."""
