from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "pairing"
    verbose_name = "结对帮扶"

    def ready(self) -> None:
        from pairing import home, indicators, report_types

        home.register()
        indicators.register()  # rural pairing participation (core.indicators)
        report_types.register()
