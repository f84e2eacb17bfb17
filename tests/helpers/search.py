"""The search page (/search/?q=...) and what its results show."""

import re

SNIPPET = re.compile(r'<p class="snippet">(.*?)</p>', re.DOTALL)


def headlines(document):
    results = document.find("ol", cls="search-results")
    return [li.one("h2").text() for li in results.find_all("li")] if results else []


def snippets(response):
    """The snippets' HTML exactly as served."""
    return SNIPPET.findall(response.content.decode())


def search_page(client, q, status=200, **params):
    response = client.get("/search/", {"q": q, **params})
    assert response.status_code == status, (q, response.status_code)
    return response
