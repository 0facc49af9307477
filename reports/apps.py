from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "报表"

    def ready(self) -> None:
        from reports import home, jobs

        home.register()
        jobs.register()
