"""Pages of monitoring (filled below)."""

app_name = "monitoring"
urlpatterns: list = []
