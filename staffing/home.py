"""Menu entries of the staffing pages (core.registry); registered from StaffingConfig.ready()."""


def register() -> None:
    return None
