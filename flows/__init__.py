"""flows layer: Prefect flows that orchestrate batches of tasks.

Importing it masks personal data in every log record of the process (a worker or `serve` runs
flows without the CLI's logging set-up)."""

from tasks.log_masking import install_masking

install_masking()
