"""The product's e-mail channel (`email`: SMTP, or a recording outbox) and the failure alerts
sent through it from the flows' Prefect state hooks (`alerts`)."""
