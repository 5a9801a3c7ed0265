"""The daily cycle's work, in batches of thousands of cases: read facts as columns, evaluate them
with the pure ladder, risk and owner rules, and write only what changed.

`core.run_day` is the whole cycle without Prefect; `prefect_tasks` wraps the same steps as
Prefect tasks for `flows/daily_cycle.py`.
"""
