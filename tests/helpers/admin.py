"""The admin as a browser uses it: a form's fields as the page shows them, posted back with
some changed; what a change list shows; the split date and time inputs."""

from html.parser import HTMLParser

from django.utils import timezone

ARTICLES = "/admin/articles/article/"


class _FormFields(HTMLParser):
    """Collects what a browser would submit from the form with a given id (no file inputs,
    no buttons, nothing from the inline's empty template form)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self.textarea = self.select = None

    def add(self, name, value):
        if "__prefix__" not in name:
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if tag == "input" and name and kind not in ("submit", "button", "file", "image", "reset"):
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.add(name, attrs.get("value", "on" if kind in ("checkbox", "radio") else ""))
        elif tag == "textarea":
            self.textarea = [name, ""]
        elif tag == "select":
            self.select = {"name": name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.select["options"].append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            name, text = self.textarea
            self.add(name, text.removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None
        elif tag == "select" and self.select:
            options = self.select["options"]
            chosen = [value for value, selected in options if selected]
            if not chosen and options and not self.select["multiple"]:
                chosen = [options[0][0]]  # a browser sends a single select's first option
            for value in chosen:
                self.add(self.select["name"], value)
            self.select = None


def form_data(response, form_id):
    """The form's fields as the page shows them, ready to change and POST back."""
    assert response.status_code == 200
    parser = _FormFields(form_id)
    parser.feed(response.content.decode())
    return {name: values if len(values) > 1 else values[0] for name, values in parser.data.items()}


def post_form(client, url, form_id, /, **changes):
    """GET the admin form at url, change some fields, POST it back as a browser would."""
    data = form_data(client.get(url), form_id) | changes
    return client.post(url, data)


def shown(response):
    """The objects a change list shows, in order."""
    return list(response.context["cl"].result_list)


def split(moment):
    """An aware datetime as the admin's split date and time inputs take it."""
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def change_url(article):
    return f"{ARTICLES}{article.pk}/change/"
