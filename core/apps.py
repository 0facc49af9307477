from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from core import audit, signals  # noqa: F401  (connects audit and task-context receivers)

        audit.connect_audited_models()

        from core import i18n_fast

        i18n_fast.install()  # {% translate "constant" %} translated once per language

        from core import url_fast

        url_fast.install()  # {% url %} reversed once per (name, arguments)
