from django.apps import AppConfig


class KindergartensConfig(AppConfig):
    name = "kindergartens"
    verbose_name = "幼儿园与机构"

    def ready(self) -> None:
        from kindergartens import home

        home.register()
