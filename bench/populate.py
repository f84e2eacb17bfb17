"""Fill the benchmark's database with generated published articles, fast.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.populate --articles 10000

Each article has a headline, a standfirst, about 30 paragraphs of Markdown with subheadings,
one to three authors, an agency and one or two captions (a quarter of them in Korean); their
publication times are spread over the last two years. Rows go in with bulk_create, in batches:
no revisions are recorded, as for an archive restored from a dump. Each article's rendered
body is stored with it (as bulk_create would do), rendered in a second process while the
previous batch is written. Run it on an empty database.
"""

import argparse
import random
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta

import django

PLACES = [
    "Seoul",
    "Geneva",
    "Nairobi",
    "Brasília",
    "Jakarta",
    "Ottawa",
    "Warsaw",
    "Lagos",
    "Lima",
    "Hanoi",
    "Madrid",
    "Cairo",
    "Manila",
    "Oslo",
    "Santiago",
    "Kyiv",
    "Dhaka",
    "Accra",
]
SUBJECTS = [
    "Central bank",
    "Parliament",
    "Court",
    "Rail union",
    "Health ministry",
    "Election commission",
    "Port authority",
    "Coalition",
    "Farmers",
    "Teachers",
    "Regulator",
    "Coast guard",
]
VERBS = [
    "backs",
    "rejects",
    "delays",
    "approves",
    "questions",
    "expands",
    "suspends",
    "revives",
    "weighs",
    "signs",
]
OBJECTS = [
    "emergency budget",
    "water-sharing deal",
    "new border checks",
    "ban on coal plants",
    "pension reform",
    "vaccine rollout",
    "tax on windfall profits",
    "ceasefire talks",
    "grain export plan",
    "rules for ride-hailing apps",
    "bid to host the games",
]
TAILS = [
    "after late-night talks",
    "as protests grow",
    "amid record heat",
    "before key vote",
    "despite warnings",
    "in surprise move",
    "under pressure from allies",
    "",
]
# Sentences are drawn from these words.
WIRE_COPY = (
    "the minister said on Tuesday that talks would continue next week while officials "
    "in the capital declined to comment on the figures released by the statistics office "
    "analysts expect growth to slow in the second half of the year as exports weaken "
    "residents described long queues outside banks and petrol stations across the region "
    "opposition leaders called for an independent inquiry into the handling of the crisis "
    "the agreement still needs approval from lawmakers and could face legal challenges "
    "prices of rice and cooking oil have risen by a third since the start of the year "
    "a spokesperson for the company said it was cooperating fully with the investigation"
)
WORDS = WIRE_COPY.split()
SUBHEADINGS = [
    "What happens next",
    "Reaction",
    "Background",
    "Markets",
    "The numbers",
    "Why it matters",
]
CAPTIONS_EN = [
    ("Demonstrators gather outside the parliament building.", "A crowd holding banners"),
    ("The minister speaks to reporters after the meeting.", "A woman at a lectern"),
    ("Cargo ships wait to unload at the harbour.", "Container ships at anchor"),
    ("Farmers inspect a field damaged by drought.", "Two men in a dry field"),
]
CAPTIONS_KO = [
    ("서울 도심에서 시민들이 집회를 열고 있다.", "광장에 모인 사람들"),
    ("장관이 회의를 마친 뒤 기자들의 질문에 답하고 있다.", "연단에 선 장관"),
    ("부산항에 컨테이너선이 정박해 있다.", "항구의 컨테이너선"),
]
AGENCIES = [
    ("Reuters", "reuters", "An international news agency."),
    ("Associated Press", "associated-press", "An American news agency."),
    ("Agence France-Presse", "agence-france-presse", "A French news agency."),
    ("Yonhap", "yonhap", "A South Korean news agency."),
    ("dpa", "dpa", "A German news agency."),
]
FIRST = [
    "Anna",
    "Min-jun",
    "Carlos",
    "Aisha",
    "Tomasz",
    "Ngozi",
    "Kenji",
    "Lucía",
    "Omar",
    "Ji-woo",
]
LAST = ["Kim", "Silva", "Nowak", "Okafor", "Tanaka", "García", "Haddad", "Park", "Müller", "Osei"]


def sentence(rng):
    words = rng.sample(WORDS, rng.randint(10, 22))
    return " ".join(words).capitalize() + "."


def body(rng, paragraphs=30):
    parts = []
    for i in range(paragraphs):
        if i and i % 8 == 0:
            parts.append(f"## {rng.choice(SUBHEADINGS)}")
        parts.append(" ".join(sentence(rng) for _ in range(rng.randint(2, 3))))
    return "\n\n".join(parts) + "\n"


def headline(rng):
    tail = rng.choice(TAILS)
    text = f"{rng.choice(PLACES)}: {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    return f"{text} {tail}".strip()


def rendered_bodies(bodies, language):
    """[(HTML, key)] of each body, as Article.store_rendered_body() makes them (run in a worker
    process: rendering is the longest part of a load)."""
    from articles.markup import render_body, render_key

    return [(render_body(text, language=language), render_key(text, language)) for text in bodies]


def populate(count, batch=500, seed=5):
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from articles.models import Agency, Article, Author, Caption

    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        agencies = Agency.objects.bulk_create(
            Agency(name=name, slug=slug, description=text, website=f"https://{slug}.example/")
            for name, slug, text in AGENCIES
        )
        authors = Author.objects.bulk_create(
            Author(
                name=f"{first} {last}",
                slug=slugify(f"{first}-{last}-{n}"),
                agency=agencies[n % len(agencies)],
            )
            for n, (first, last) in enumerate((f, la) for f in FIRST for la in LAST)
        )
    through = Article.authors.through

    def generate(start):
        """A batch of articles, with the authors and captions of each (drawn in this order)."""
        articles, links, captions = [], [], []
        for n in range(start, min(start + batch, count)):
            title = headline(rng)
            articles.append(
                Article(
                    headline=title,
                    slug=f"{slugify(title)[:180]}-{n}",
                    standfirst=sentence(rng),
                    body=body(rng),
                    language="en",
                    status=Article.Status.PUBLISHED,
                    published_at=now - timedelta(hours=1, minutes=105 * n),
                    agency=rng.choice(agencies),
                    external_id=f"bench-{n}",
                )
            )
        for article in articles:
            for author in rng.sample(authors, rng.randint(1, 3)):
                links.append(through(article=article, author_id=author.pk))
            for position in range(rng.randint(1, 2)):
                korean = rng.random() < 0.25
                text, alt = rng.choice(CAPTIONS_KO if korean else CAPTIONS_EN)
                captions.append(
                    Caption(
                        article=article,
                        text=text,
                        alt_text=alt,
                        language="ko" if korean else "",
                        credit=f"{article.agency.name}/{rng.choice(LAST)}",
                        is_lead=position == 0,
                        position=position,
                    )
                )
        return articles, links, captions

    def insert(articles, links, captions, rendered):
        for article, (html, key) in zip(articles, rendered.result(), strict=True):
            # What bulk_create would render: it only checks the key.
            article.rendered_body, article.rendered_body_key = html, key
        with transaction.atomic():
            # Links and captions then take their article's new primary key.
            Article.objects.bulk_create(articles)
            through.objects.bulk_create(links)
            Caption.objects.bulk_create(captions)

    # One process renders the next batch's bodies while this one writes the batch before.
    with ProcessPoolExecutor(max_workers=1) as renderer:
        waiting = None
        for start in range(0, count, batch):
            articles, links, captions = generate(start)
            bodies = [article.body for article in articles]
            rendered = renderer.submit(rendered_bodies, bodies, "en")
            if waiting:
                insert(*waiting)
            waiting = (articles, links, captions, rendered)
        if waiting:
            insert(*waiting)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    django.setup()
    started = time.monotonic()
    populate(args.articles)
    # What autovacuum does soon after a bulk load, at once: planner statistics (without them
    # PostgreSQL sorts the whole table for the home page) and the visibility map.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"populate: {args.articles} articles in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
