from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "督导"

    def ready(self) -> None:
        from supervision import home, inspections  # noqa: F401  (inspections registers its order source)

        home.register()
