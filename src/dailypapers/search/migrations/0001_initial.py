import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('papers', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='Embedding',
            fields=[
                ('paper', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_embedding', serialize=False, to='papers.paper')),
                ('model', models.CharField(blank=True, max_length=64)),
                ('text_hash', models.CharField(blank=True, max_length=40)),
                ('vector', models.BinaryField(null=True)),
                ('claimed_by', models.CharField(blank=True, max_length=40)),
                ('claimed_until', models.DateTimeField(null=True)),
                ('paper_modified_at', models.DateTimeField(null=True)),
                ('updated_at', models.DateTimeField(db_index=True)),
            ],
        ),
        # Each node follows the papers table by (modified_at, id); without an index
        # every catch-up would scan the whole table. The index belongs to the
        # follower, so it is created here rather than in the papers app's models.
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS search_paper_modified ON papers_paper (modified_at, id)",
            "DROP INDEX IF EXISTS search_paper_modified",
        ),
    ]
