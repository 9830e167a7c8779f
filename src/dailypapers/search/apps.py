from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "dailypapers.search"
    label = "search"

    def ready(self) -> None:
        from dailypapers.papers import extras
        from dailypapers.search import similar

        extras.add_to_paper_page("similar", similar)
