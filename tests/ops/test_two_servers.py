"""Two app servers (two gunicorn processes on different ports) sharing one PostgreSQL and one
Redis: an edit saved through one is what readers of the other get on their next request (the
page cache is shared, and invalidated, through Redis), and a login on one works on the other.
"""

import pytest

from .conftest import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    ARTICLE_PATH,
    HEADLINE,
    article_id,
    set_headline,
)
from .servers import PUBLIC_HOST
from .web import Client, form_fields, headline, save_article

pytestmark = pytest.mark.ops

EDITED = "Kerry and Lavrov: the rapport that smoothed the path to a Syria deal"


def test_an_edit_through_one_server_is_served_at_once_by_the_other(
    postgres, database, redis_server, app_server
):
    shared = {"database_url": postgres.url(database), "cache_url": redis_server.url}
    a = app_server(**shared, wait=False)
    b = app_server(**shared, wait=False)
    a.wait_ready()
    b.wait_ready()
    assert a.port != b.port
    # Behind a load balancer both servers get the site's public name as Host.
    reader = Client(host=PUBLIC_HOST)
    pk = article_id(postgres, database)

    # B renders the page and stores it in Redis; A then serves B's copy.
    assert reader.get(b.url + ARTICLE_PATH).header("x-page-cache") == "miss"
    set_headline(postgres, database, "Not seen while cached")
    for server in (a, b):
        response = reader.get(server.url + ARTICLE_PATH)
        assert response.header("x-page-cache") == "hit"
        assert headline(response.text) == HEADLINE
    set_headline(postgres, database, HEADLINE)

    # The edit, through A's admin.
    editor = Client(host=PUBLIC_HOST)
    editor.log_in(a.url, ADMIN_USERNAME, ADMIN_PASSWORD)
    save_article(editor, a, pk, headline=EDITED)

    # Both servers' readers get it on their very next request.
    for server in (b, a):
        response = reader.get(server.url + ARTICLE_PATH)
        assert response.status == 200
        assert headline(response.text) == EDITED
        home = reader.get(server.url + "/")
        assert EDITED in home.text
        assert HEADLINE not in home.text

    # The session made on A works on B: B's admin shows the edited article to the editor,
    # and an edit saved through B reaches A's readers.
    index = editor.get(b.url + "/admin/")
    assert index.status == 200, index.status
    assert f"<strong>{ADMIN_USERNAME}</strong>" in index.text
    change_page = editor.get(f"{b.url}/admin/articles/article/{pk}/change/")
    assert form_fields(change_page.text, "article_form")["headline"] == EDITED
    save_article(editor, b, pk, status="withdrawn")
    assert reader.get(a.url + ARTICLE_PATH).status == 410
    assert EDITED not in reader.get(a.url + "/").text
