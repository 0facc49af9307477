from celery import shared_task
from django.utils import timezone


@shared_task(name="core.tasks.heartbeat", ignore_result=True)
def heartbeat(name: str = "default") -> None:
    """Liveness check: a worker that stops consuming (celery #8030) stops updating this row."""
    from core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
