from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "督导"

    def ready(self) -> None:
        from supervision import home, indicators, inspections, selfchecks  # noqa: F401  (they register their order sources)

        home.register()
        indicators.register()  # inspection coverage (core.indicators)

        from supervision import monthly_report

        monthly_report.register()  # the district's monthly report to the city (reports.registry)
