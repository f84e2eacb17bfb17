"""The sample article (articles/sample_data/kerry-lavrov.txt) and what it holds."""

from tests.helpers.paths import ROOT

SAMPLE = ROOT / "articles" / "sample_data" / "kerry-lavrov.txt"
SAMPLE_SLUG = "kerry-lavrov-rapport-smoothed-path-to-syria-deal"
HEADLINE = "Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
KOREAN_CAPTION = (
    "터키 접경 마을 수루크에서 촬영한 시리아 도시 코바니. 붉은 선들은 예광탄의 궤적이다."
)
REUTERS_DESCRIPTION = (
    "Reuters is a news agency founded in 1851 and owned by the Thomson Reuters Corporation "
    "based in Toronto, Canada. One of the world's largest wire services, it provides financial "
    "news as well as international coverage in over 16 languages to more than 1000 newspapers "
    "and 750 broadcasters around the globe."
)
