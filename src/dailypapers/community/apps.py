from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "dailypapers.community"
    label = "community"

    def ready(self) -> None:
        from dailypapers.community import marks
        from dailypapers.community.services import claims
        from dailypapers.papers import extras
        from dailypapers.papers.signals import authors_replacing

        # Author claims follow their authors when an import replaces a paper's authors.
        authors_replacing.connect(claims.authors_replacing, dispatch_uid="community-claims")
        # A signed-in reader's own marks on every card and on the paper page.
        extras.add_to_cards("marks", marks.on_cards)
        extras.add_for_reader("reading_marks", marks.on_paper_page)
