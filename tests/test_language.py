"""articles.language (dateline/parse/language.py), other languages' date lines, and the English-only date
rules kept off articles in another language (issue 21, item 5)."""
import json

import duckdb
import pytest

from dateline.parse import dates, language, text
from dateline.parse.normalize import normalize_files
from dateline.sources.files import read_file
from dateline.store.database import Database
from schemas import Article

ENGLISH = ("The council approved the budget on Tuesday after a long debate about road repairs and school "
           "funding. The mayor said the vote showed the city could plan ahead for the first time in years.")
GERMAN = ("Der Stadtrat hat am Dienstag nach einer langen Debatte über Straßenreparaturen und die Finanzierung "
          "der Schulen den Haushalt beschlossen. Die Bürgermeisterin sagte, die Stadt könne nun endlich planen.")
FRENCH = ("Le conseil municipal a adopté mardi le budget après un long débat sur la réparation des routes et le "
          "financement des écoles. La maire a déclaré que la ville pouvait enfin planifier son avenir.")
# An earnings table: figures and abbreviations, no language a detector can be sure of.
TABLE = "Shr 16 cts vs 13 cts\n    Net 557,000 vs 2,020,000\n    Pay April 15\n    Record March 31"


@pytest.mark.parametrize(("body", "want"), [(ENGLISH, "en"), (GERMAN, "de"), (FRENCH, "fr"), (TABLE, None), ("", None)])
def test_the_detector_names_the_language_or_nothing(body, want):
    assert language.detect(body)[0] == want


def test_the_detector_reads_a_bounded_prefix():
    # A long English article with a German appendix far past the prefix is English.
    assert language.detect(ENGLISH * 10 + GERMAN * 30)[0] == "en"
    assert language.LONG_PREFIX < len(ENGLISH * 10)


def test_plain_english_is_told_by_its_function_words_and_everything_else_by_the_detector():
    assert language.plainly_english(ENGLISH)
    assert not any(language.plainly_english(t) for t in (GERMAN, FRENCH, TABLE, "The end of the story."))
    # Where the shortcut answers, the detector answers the same.
    assert language.detect(ENGLISH) == ("en", 1.0) and language.classify(ENGLISH)[0] == "en"
    assert language.detect(GERMAN) == language.classify(GERMAN)


@pytest.mark.parametrize(("tag", "want"), [("en-US", "en"), ("de_DE", "de"), ("FR", "fr"), (" en ", "en"),
                                           ("English", None), ("", None), (None, None), ("zh-Hant-TW", "zh")])
def test_declared_tags_become_iso_639_1(tag, want):
    assert language.from_tag(tag) == want


def test_the_text_outranks_the_declared_language_which_fills_in_when_the_text_cannot_tell():
    assert language.article_language(GERMAN, "en-US") == "de"  # a template's lang="en" over a German article
    assert language.article_language(TABLE, "en") == "en"
    assert language.article_language(TABLE, None) is None


def test_english_rules_apply_to_english_and_unknown_only():
    assert [language.english_rules_apply(x) for x in ("en", None, "de", "ja")] == [True, True, False, False]


def test_a_date_line_in_another_language_is_read_in_that_language():
    hit = text.parse_date_line("Montag, 29. März 2024", language="de")
    assert (str(hit.day), hit.confidence) == ("2024-03-29", "DATE")
    assert text.parse_date_line("Montag, 29. März 2024") is None  # the English rules do not read it
    fr = text.parse_date_line("8 novembre 2016 à 10h33", language="fr")
    assert (str(fr.day), str(fr.at)) == ("2016-11-08", "2016-11-08 10:33:00")
    # A line with words that are not date words is no date line, in any language.
    assert text.parse_date_line("3 verrückte Orte in Berlin 2015", language="de") is None
    assert text.parse_date_line("29. März 2024", language="xx") is None  # a language dateparser does not know
    assert dates.is_date_only("12. November 2015", "de") and not dates.is_date_only("Orte in Berlin", "de")


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return read_file(str(path), max_bytes=1 << 20)


# An English quote inside a German article: the English rules read "will meet on June 16, 2021" as an
# upcoming event, so a 2024 date line would be a lie to them.
QUOTE = 'Der Minister zitierte die Erklärung: "The leaders will meet on June 16, 2021 in Geneva." '


def test_an_article_in_another_language_is_not_accused_and_says_why(tmp_path):
    german = f"Gipfel in Genf\nFreitag, 29. März 2024\n\n{GERMAN} {QUOTE}{GERMAN}\n"
    english = f"Summit in Geneva\nMarch 29, 2024\n\n{ENGLISH} The leaders will meet on June 16, 2021 in Geneva.\n"
    out = normalize_files([_write(tmp_path, "de.txt", german), _write(tmp_path, "en.txt", english)], "run")
    by = {a.source_path.rsplit("/", 1)[-1]: a for a in out.articles}
    de, en = by["de.txt"], by["en.txt"]
    assert (de.language, str(de.published_claimed), de.dateline_text) == ("de", "2024-03-29", "Freitag, 29. März 2024")
    assert (de.date_status, de.date_score, de.published_inferred_min, de.published_inferred_max) == (
        "no_evidence", None, None, None)
    assert de.date_evidence.startswith("not judged: the article is in language 'de'")
    assert (en.language, en.date_status) == ("en", "inconsistent")  # the same claim in English is still accused


def test_a_crawler_json_in_french_gets_its_language_and_its_french_date(tmp_path):
    doc = {"title": "Le budget adopté", "maintext": FRENCH * 3, "date_publish": "8 novembre 2016 à 10h33",
           "language": "en", "url": "https://exemple.fr/budget"}
    (a,) = normalize_files([_write(tmp_path, "a.json", doc)], "run").articles
    assert (a.language, str(a.published_claimed), a.pubdate_method) == ("fr", "2016-11-08", "metadata:date_publish")
    assert a.date_status == "no_evidence" and a.date_evidence.startswith("not judged")


def test_an_article_without_a_claimed_date_in_another_language_is_missing_not_accused(tmp_path):
    (a,) = normalize_files([_write(tmp_path, "a.txt", f"{GERMAN}\n\n{QUOTE}\n\n{GERMAN}\n")], "run").articles
    assert (a.language, a.published_claimed, a.date_status) == ("de", None, "missing")


def test_the_language_column_is_added_to_an_older_database(tmp_path):
    path = tmp_path / "old.duckdb"
    db = Database.open(path)  # today's schema, then the column taken away as an older version had it
    db.connection.execute('ALTER TABLE articles DROP COLUMN "language"')
    db.connection.close()
    with duckdb.connect(str(path)) as con:
        assert "language" not in {r[0] for r in con.execute("DESCRIBE articles").fetchall()}
    db = Database.open(path)
    try:
        cols = {r[0]: r[1] for r in db.connection.execute("DESCRIBE articles").fetchall()}
    finally:
        db.connection.close()
    assert cols["language"] == "VARCHAR" and "language" in Article.model_fields
