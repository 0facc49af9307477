from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "普及普惠指标"

    def ready(self) -> None:
        from indicators import definitions, home

        definitions.register()  # the registry's indicators (enrolment, 普惠, 公办, class size, places)
        home.register()
