from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = "安全"

    def ready(self) -> None:
        from django.urls import reverse

        from safety import home, indicators, monthly_report, report_hooks
        from supervision.rectification import register_source_kind

        # A hazard is closed through one order of supervision's rectification workflow.
        register_source_kind("hazard", "安全隐患", url=lambda ref: reverse("safety:hazard-detail", args=[ref]))
        report_hooks.register()
        monthly_report.register()  # the district monthly report's safety section
        home.register()
        indicators.register()  # hazards, incidents, video, buses, safety officers (core.indicators)
