from django.db import migrations, models

# The (modified_at, id) index the search index follows papers by was created by
# search's first migration, in SQL. It is declared on Paper now; the index keeps its
# name, so a database that has it gets none more, and one that does not (a database
# whose search migrations have not run yet) gets it here.
_CREATE = "CREATE INDEX IF NOT EXISTS search_paper_modified ON papers_paper (modified_at, id)"


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0006_organization_from_community"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="paper",
                    index=models.Index(fields=["modified_at", "id"], name="search_paper_modified"),
                ),
            ],
            database_operations=[migrations.RunSQL(_CREATE, migrations.RunSQL.noop)],
        ),
    ]
