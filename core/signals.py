"""Audit context for Celery tasks: who and which task, for every change a task makes."""

from celery.signals import task_postrun, task_prerun

from core.audit import AuditContext, _context

_tokens: dict[str, object] = {}


@task_prerun.connect(dispatch_uid="core-audit-task-prerun")
def _task_prerun(task_id=None, task=None, kwargs=None, **extra):
    actor_id = (kwargs or {}).get("actor_id")
    ctx = AuditContext(
        source="task",
        request_id=task_id or "",
        path=getattr(task, "name", "")[:300],
        actor_id=actor_id if isinstance(actor_id, int) else None,
    )
    _tokens[task_id] = _context.set(ctx)


@task_postrun.connect(dispatch_uid="core-audit-task-postrun")
def _task_postrun(task_id=None, **extra):
    token = _tokens.pop(task_id, None)
    if token is not None:
        _context.reset(token)
