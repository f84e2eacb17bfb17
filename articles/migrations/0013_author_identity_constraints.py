"""Who an author is: (agency, name), one house author (no agency) per name. After 0012 has made
the exact duplicates one, in a transaction of its own (see there)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_author_identity"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="author",
            constraint=models.UniqueConstraint(
                condition=models.Q(("agency__isnull", False)),
                fields=("agency", "name"),
                name="author_unique_agency_name",
                violation_error_message="An author with this name already exists for this agency.",
            ),
        ),
        migrations.AddConstraint(
            model_name="author",
            constraint=models.UniqueConstraint(
                condition=models.Q(("agency__isnull", True)),
                fields=("name",),
                name="author_unique_name_without_agency",
                violation_error_message="A house author (no agency) with this name already exists.",
            ),
        ),
    ]
