"""The pure core of Duecourse: no database, no Prefect, no files."""
