"""Organizations move from the community app to papers, in the state only.

The upstream names a paper's organization as part of its metadata, so the model
belongs with papers. The table keeps its name (``community_organization``) and its
rows: this migration only tells Django that papers owns the model now, and the
community app's migration 0004 repoints its foreign keys and forgets its copy.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0005_hf_fields_and_earlier_listings"),
        ("community", "0003_org_domains_verified_by_staff"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Organization",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("slug", models.SlugField(max_length=100, unique=True)),
                        ("name", models.CharField(max_length=200)),
                        ("avatar_url", models.URLField(blank=True, max_length=500)),
                        ("description", models.TextField(blank=True)),
                        (
                            "requested_email_domains",
                            models.CharField(blank=True, max_length=500),
                        ),
                        (
                            "verified_email_domains",
                            models.CharField(
                                blank=True,
                                help_text=(
                                    "set by staff only: confirmed addresses here count"
                                    " as the organization's"
                                ),
                                max_length=500,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "community_organization", "ordering": ["name"]},
                ),
                migrations.AlterField(
                    model_name="paper",
                    name="organization",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="papers",
                        to="papers.organization",
                    ),
                ),
            ],
        ),
    ]
