"""Captions store their photo's size (image_width, image_height, the image field's width_field
and height_field), so that pages need not open the file on every view; filled here for the
captions that exist. Revisions store it too (their rows from before have none: a restore of
one reads the file again, in Caption.save())."""

from django.core.files.images import get_image_dimensions
from django.db import migrations, models

import articles.models
import articles.uploads


def fill(captions, batch_size=500):
    """Store the size of each of the `captions` (a queryset) that has a photo and no size yet,
    read from its file; a file that is missing or cannot be read as an image leaves it unknown
    (None). The number of captions whose size was stored.

    Rows are read as values (no model instances, which this migration's model need not be able
    to build from a row whose file is gone), `batch_size` at a time in key order."""
    storage = captions.model._meta.get_field("image").storage
    pending = (
        captions.exclude(image="")
        .filter(models.Q(image_width__isnull=True) | models.Q(image_height__isnull=True))
        .order_by("pk")
        .values_list("pk", "image")
    )
    stored, last = 0, None
    while True:
        batch = list((pending if last is None else pending.filter(pk__gt=last))[:batch_size])
        if not batch:
            return stored
        last = batch[-1][0]
        for pk, name in batch:
            try:
                with storage.open(name) as file:
                    width, height = get_image_dimensions(file)
            except Exception:  # whatever is wrong with the file, the migration goes on
                continue
            if width and height:
                captions.filter(pk=pk).update(image_width=width, image_height=height)
                stored += 1


def fill_image_sizes(apps, schema_editor):
    Caption = apps.get_model("articles", "Caption")
    fill(Caption.objects.using(schema_editor.connection.alias))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_rendered_body"),
    ]

    operations = [
        migrations.AddField(
            model_name="caption",
            name="image_width",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="image width"
            ),
        ),
        migrations.AddField(
            model_name="caption",
            name="image_height",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="image height"
            ),
        ),
        migrations.AlterField(
            model_name="caption",
            name="image",
            field=articles.models.SizedImageField(
                blank=True,
                height_field="image_height",
                help_text="Optional photo file.",
                upload_to="captions/%Y/%m/",
                validators=[articles.uploads.validate_image],
                verbose_name="image",
                width_field="image_width",
            ),
        ),
        migrations.AddField(
            model_name="historicalcaption",
            name="image_width",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="image width"
            ),
        ),
        migrations.AddField(
            model_name="historicalcaption",
            name="image_height",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="image height"
            ),
        ),
        # Backwards, the columns go: nothing to undo.
        migrations.RunPython(fill_image_sizes, migrations.RunPython.noop, elidable=True),
    ]
