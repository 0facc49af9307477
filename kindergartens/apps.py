from django.apps import AppConfig


class KindergartensConfig(AppConfig):
    name = "kindergartens"
    verbose_name = "幼儿园与机构"

    def ready(self) -> None:
        from kindergartens import home, jobs

        home.register()
        jobs.register()  # background job kinds: roster import check, list export (core.jobs)
