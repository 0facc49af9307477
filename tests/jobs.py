"""Helpers for tests of background jobs (core.jobs): run what the worker would run, here and now."""

from __future__ import annotations

from core.jobs import job_execute
from core.models import Job


def run_queued_jobs() -> list[Job]:
    """Run every queued job as the worker would (the task function, called directly); returns them."""
    ran = []
    for pk in Job.objects.filter(state=Job.State.QUEUED).order_by("pk").values_list("pk", flat=True):
        job_execute(job_id=pk)
        ran.append(Job.objects.get(pk=pk))
    return ran


def follow_job(client, response):
    """After an upload or export POST answered with a redirect to a job page: run the job, open the page.

    Returns the final response (the job page, or the page the finished job sends the user on to).
    """
    assert response.status_code == 302, response.status_code
    run_queued_jobs()
    return client.get(response["Location"], follow=True)
