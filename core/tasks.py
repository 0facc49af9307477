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


@shared_task(
    name="core.tasks.send_notification_email",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification (core.notifications); sent at most once (``emailed_at`` is claimed first).
    An SMTP failure releases the claim and is retried with backoff."""
    from core.notifications import notification_send_email

    if notification_send_email(notification_id=notification_id) is False:
        from core.models import Notification

        if Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).exists():
            raise OSError("e-mail not sent")
    return True
