"""flows layer: Prefect flows that orchestrate batches of tasks.

Importing it masks personal data in every log record of the process (a worker or `serve` runs
flows without the CLI's logging set-up), and makes the files it creates its owner's only
(`models.db.restrict_new_files`)."""

from models.db import restrict_new_files
from tasks.log_masking import install_masking

install_masking()
restrict_new_files()
