from django.apps import AppConfig


class KindergartensConfig(AppConfig):
    name = "kindergartens"
    verbose_name = "幼儿园与机构"

    def ready(self) -> None:
        from core.cache import watch
        from kindergartens import home, jobs
        from kindergartens.models import (
            Bureau,
            CollaborationGroup,
            Kindergarten,
            KindergartenStatusChange,
            Level,
            Township,
        )

        watch(Bureau, Township, Level, CollaborationGroup)  # the filter bars' option lists
        # The registry list's totals (core.lists keeps a filter's count while its tables are unchanged).
        watch(Kindergarten, KindergartenStatusChange)
        home.register()
        jobs.register()  # background job kinds: roster import check, list export (core.jobs)
