"""KPI report: set-based SQL aggregates over the store, one module per family of measures
(rolls, outcomes, sla, portfolio), assembled by `build.build_report` into plain dataclasses.
Rendering (HTML, PDF, markdown, charts) lives in documents/kpi_report.py."""
