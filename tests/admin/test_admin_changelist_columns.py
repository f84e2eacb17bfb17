"""The articles' change list reads none of their text: not the body, nor its stored rendering,
nor the agency's metadata (only its status, for the "state for readers" column), so a page of
rows stays small. The change form still reads the whole article."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from tests.helpers.admin import ARTICLES
from tests.helpers.html import parse

TABLE = Article._meta.db_table
NOT_READ = ["standfirst", "body", "rendered_body", "rendered_body_key", "wire_metadata"]


def selected_columns(sql):
    """The article columns a statement reads as such (not inside an expression)."""
    columns = sql.split(" FROM ", 1)[0]
    return re.findall(rf'(?:SELECT (?:DISTINCT )?|, )"{TABLE}"\."(\w+)"(?=,|$)', columns)


def change_list(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ARTICLES)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


def test_the_change_list_reads_no_text(editor_client, make_article):
    make_article(body="A long body.\n", wire_metadata={"urgency": 3, "pubstatus": "usable"})
    response, sql = change_list(editor_client)
    [rows] = [statement for statement in sql if "headline" in selected_columns(statement)]
    assert set(NOT_READ).isdisjoint(selected_columns(rows))
    assert {"headline", "status", "published_at", "language"} <= set(selected_columns(rows))
    # Of the agency's metadata, its status only, taken out in the statement.
    assert 'AS "wire_pubstatus"' in rows
    assert "rendered_body" not in "\n".join(sql)
    for article in response.context["cl"].result_list:
        assert set(NOT_READ) <= article.get_deferred_fields()


def test_states_are_shown_without_a_query_per_row(editor_client, make_article):
    draft = {"status": Article.Status.DRAFT, "published_at": None}
    make_article(**draft, wire_metadata={"pubstatus": "canceled"})
    _, one_of_each = change_list(editor_client)

    make_article(**draft, wire_metadata={"pubstatus": "withdrawn"})
    make_article(**draft, wire_metadata={"pubstatus": "usable"})
    make_article(**draft)
    make_article()
    response, more = change_list(editor_client)

    assert len(more) == len(one_of_each)
    states = [td.text() for td in parse(response.content).find_all("td", cls="field-reader_state")]
    assert sorted(states) == [
        "Draft",
        "Draft",
        "Draft (canceled by the agency)",
        "Draft (canceled by the agency)",
        "Published",
    ]


def test_the_change_form_reads_the_whole_article(editor_client, make_article):
    article = make_article(body="The body an editor edits.\n", standfirst="A summary.")
    response = editor_client.get(f"{ARTICLES}{article.pk}/change/")
    assert response.context["original"].get_deferred_fields() == set()
    assert response.context["adminform"].form["body"].value() == "The body an editor edits.\n"
