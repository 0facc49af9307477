from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "staffing"
    verbose_name = "教职工"

    def ready(self) -> None:
        from core.cache import watch
        from kindergartens.services.records import PRINCIPAL_LISTENERS
        from staffing import home, imports, indicators, jobs
        from staffing.models import CertificateKind, StaffingPolicy
        from staffing.services import principal_from_registry

        # The registry's principal and the roster's principal employment are one fact.
        if principal_from_registry not in PRINCIPAL_LISTENERS:
            PRINCIPAL_LISTENERS.append(principal_from_registry)
        watch(CertificateKind)  # the cached list of kinds (staffing.selectors.certificate_kinds)
        watch(StaffingPolicy)  # the cached district requirements (staffing.selectors.district_overrides)
        home.register()
        jobs.register()  # the certificate list export (core.jobs)
        imports.register()  # the roster's import check, import and export (core.jobs)
        indicators.register()  # teacher:children, certificate holding (core.indicators)
