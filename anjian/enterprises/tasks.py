"""Background jobs of the enterprise register (Huey)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from anjian.enterprises import importer


@db_task()
def run_import(job_id: int) -> None:
    """Run the Excel import job `job_id` (queued by importer.start_import after its commit)."""
    importer.run_job(job_id)
