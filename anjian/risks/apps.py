from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "anjian.risks"
    label = "risks"
    verbose_name = "风险管控"

    def ready(self) -> None:
        from anjian.risks import permissions  # noqa: F401  (registers the risk capabilities)
