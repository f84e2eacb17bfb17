"""The admin's "Import article" page: upload or paste, preview, Save."""

from django.core.files.uploadedfile import SimpleUploadedFile

IMPORT_URL = "/admin/articles/article/import/"


def upload(name, data, content_type="text/plain"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def sample_input(how, sample_bytes):
    """The POST fields that hand the sample to the import page, as a file or as pasted text."""
    if how == "file":
        return {"file": upload("kerry-lavrov.txt", sample_bytes)}
    return {"text": sample_bytes.decode("utf-8")}


def confirm_fields(preview):
    """What the preview's Save form sends back: its hidden fields and the Save button."""
    assert preview.status_code == 200
    return {field.html_name: field.value() for field in preview.context["confirm"]} | {
        "confirm": "Save"
    }


def save(client, preview):
    return client.post(IMPORT_URL, confirm_fields(preview))


def import_sample(client, sample_bytes, *, how="file", publish=False):
    """Preview and save the sample; return the save response (a redirect)."""
    fields = sample_input(how, sample_bytes)
    if publish:
        fields["publish"] = "on"
    return save(client, client.post(IMPORT_URL, fields))


def row(label, value):
    """A row of the preview's table, as HTML."""
    return f'<tr><th scope="row">{label}</th><td>{value}</td></tr>'
