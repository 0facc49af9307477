from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "pairing"
    verbose_name = "结对帮扶"

    def ready(self) -> None:
        from pairing import home, report_types

        home.register()
        report_types.register()
