"""A small, strict HTML tree for the reader-page tests (`parse`, `Node`), and what the tests
ask of it: a page fetched and parsed, the tab order, same-origin addresses and a page that
loads nothing from another host."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from articles.reader import text_size

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}


class Node:
    def __init__(self, tag, attrs=(), parent=None):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []  # Nodes and strings, in document order

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def iter(self):
        """This element and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag=None, *, cls=None, **attrs):
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if cls is not None and cls not in node.classes:
                continue
            if any(node.attrs.get(k.rstrip("_").replace("_", "-")) != v for k, v in attrs.items()):
                continue
            found.append(node)
        return found

    def find(self, tag=None, **kwargs):
        found = self.find_all(tag, **kwargs)
        return found[0] if found else None

    def one(self, tag=None, **kwargs):
        found = self.find_all(tag, **kwargs)
        assert len(found) == 1, f"expected one {tag} {kwargs}, found {len(found)}"
        return found[0]

    def by_id(self, element_id):
        return self.find(id=element_id)

    def text(self, *, visible_only=False):
        """The text inside, with whitespace runs collapsed; visible_only leaves out what
        .visually-hidden hides (so it is the text sighted readers see)."""
        return " ".join("".join(self._texts(visible_only)).split())

    def _texts(self, visible_only):
        for child in self.children:
            if isinstance(child, str):
                yield child
            elif not (visible_only and "visually-hidden" in child.classes):
                yield from child._texts(visible_only)

    def raw_text(self):
        return "".join(self._texts(False))

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def inside(self, tag=None, **kwargs):
        return any(
            (tag is None or a.tag == tag) and all(a.attrs.get(k) == v for k, v in kwargs.items())
            for a in self.ancestors()
        )


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.stack[-1])
        assert len(node.attrs) == len(attrs), f"duplicate attribute in <{tag} {attrs}>"
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        open_tag = self.stack[-1].tag
        # Our templates close every element explicitly: anything else is broken markup.
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(content) -> Node:
    """The document tree of a page; fails on mismatched tags (the pages are well-formed)."""
    if isinstance(content, bytes):
        content = content.decode("utf-8")
    builder = _TreeBuilder()
    builder.feed(content)
    builder.close()
    assert builder.stack == [builder.root], f"unclosed elements: {builder.stack[1:]}"
    assert (builder.doctype or "").lower() == "doctype html", "missing <!doctype html>"
    return builder.root


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return parse(response.content)


FOCUSABLE_TAGS = {"button", "input", "select", "textarea", "summary", "iframe"}


def is_focusable(node) -> bool:
    """Focusable at all (by script or a fragment link), tab order or not."""
    if "tabindex" in node.attrs:
        return True
    if node.tag == "a" and "href" in node.attrs:
        return True
    return node.tag in FOCUSABLE_TAGS and "disabled" not in node.attrs


def tab_order(document) -> list:
    """The elements that Tab reaches, in order (nobody uses a positive tabindex here)."""
    body = document.one("body")
    order = []
    for node in body.iter():
        tabindex = node.get("tabindex")
        if tabindex is not None:
            assert int(tabindex) <= 0, f"positive tabindex on {node}"
            if int(tabindex) < 0:
                continue
        if is_focusable(node):
            order.append(node)
    return order


def is_same_origin(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("\\")


def assert_self_contained(document):
    article = document.find("article")
    for node in document.iter():
        for name in ("src", "href", "srcset", "poster", "action", "data", "formaction"):
            value = node.get(name)
            if value is None:
                continue
            if node.tag == "a" and article is not None and node.inside("article"):
                continue  # links inside the article (its content) may go anywhere
            if node.tag == "link" and node.get("rel") == "canonical":
                # The page's own address, absolute as search engines want it.
                assert value.startswith("http://testserver/"), value
                continue
            assert is_same_origin(value), f"{node} {name}={value!r} goes to another host"
        assert "style" not in node.attrs, f"inline style on {node}"
        assert node.tag != "style", "inline <style> element"
        if node.tag == "script" and node.get("type") == "application/ld+json":
            continue  # a data block (schema.org JSON-LD), never executed
        if node.tag == "script" and node.get("src") is None:
            # The one inline script: the text size before the first paint, allowed by its
            # hash in the Content-Security-Policy.
            assert node.raw_text() == text_size.INIT_SCRIPT, "inline script"
            assert node.inside("head")
            continue
        if node.tag == "script":
            assert node.raw_text().strip() == "", "script with a body"
            assert node.get("src").startswith("/static/")
        if node.tag == "link" and node.get("rel") == "stylesheet" and node.inside("noscript"):
            assert node.get("href") == "/text-size.css"  # the no-JavaScript text size
        elif node.tag == "link" and node.get("rel") in ("stylesheet", "icon"):
            assert node.get("href").startswith("/static/")
