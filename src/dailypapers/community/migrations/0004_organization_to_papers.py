"""Organizations now belong to the papers app (papers migration 0006); state only.

Memberships point at ``papers.Organization``, which is the same table. The content
type moves with the model, so staff permissions and the admin's history of
organizations stay attached, and the moderation log's earlier entries about
organizations name the model the way new ones do.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD, NEW = ("community", "organization"), ("papers", "organization")


def _relabel(apps, old: tuple[str, str], new: tuple[str, str]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new[0], model=new[1]).exists():
        ContentType.objects.filter(app_label=old[0], model=old[1]).update(app_label=new[0])
    ModerationAction = apps.get_model("community", "ModerationAction")
    ModerationAction.objects.filter(target_type=".".join(old)).update(target_type=".".join(new))


def forwards(apps, schema_editor):
    _relabel(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _relabel(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_org_domains_verified_by_staff"),
        ("papers", "0006_organization_from_community"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="membership",
                    name="organization",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="papers.organization",
                    ),
                ),
                migrations.DeleteModel(name="Organization"),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
