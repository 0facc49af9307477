from celery import shared_task
from django.utils import timezone


@shared_task(name="core.tasks.heartbeat", ignore_result=True)
def heartbeat(name: str = "default") -> None:
    """Liveness check: a worker that stops consuming (celery #8030) stops updating this row."""
    from core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


@shared_task(name="core.tasks.run_job", ignore_result=True)
def run_job(job_id: int, actor_id: int | None = None) -> bool:
    """Run one background job (core.jobs). ``actor_id`` is the user who asked, for the audit trail.

    Idempotent: a job that is not queued any more (done, or running on another worker) is left alone.
    """
    from core.jobs import job_execute

    return job_execute(job_id=job_id)


@shared_task(name="core.tasks.cleanup_jobs", ignore_result=True)
def cleanup_jobs() -> dict:
    """Daily: delete expired job files (the rows stay) and fail jobs a dead worker left running."""
    from core.jobs import jobs_cleanup

    return jobs_cleanup()
