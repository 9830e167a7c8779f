from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "dailypapers.community"
    label = "community"

    def ready(self) -> None:
        from dailypapers.community.services import claims
        from dailypapers.papers.signals import authors_replacing

        # Author claims follow their authors when an import replaces a paper's authors.
        authors_replacing.connect(claims.authors_replacing, dispatch_uid="community-claims")
