"""Files of many records (JSON Lines, JSON arrays, CSV, WARC, gzipped or not): every record accounted for,
the bad ones rejected with where they are and why (issue 21, "Bad input")."""
import gzip
import io
import json
import os
import tracemalloc

import duckdb
import pytest

from dateline.parse.normalize import normalize_files
from dateline.sources.records import Limits, RawRecord, RecordReader, detect_format

LIMITS = Limits(max_bytes=1 << 20, max_inflated=64 << 20)
WORDS = ("council budget roads schools mayor vote river bridge harbour museum library transit parks water "
         "police court tax housing clinic market").split()


def body(i: int) -> str:
    """A distinct article body per ``i`` (distinct words, so no two are one article)."""
    picks = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(12))
    return (f"The council met on Tuesday, story {i}, to discuss {picks}. The mayor said the plan for item {i} "
            f"would be ready next month. Residents asked about {picks} and the cost of it all. ") * 2


def obj(i: int, **kw) -> dict:
    return {"title": f"Story {i}", "maintext": body(i), "date_publish": "2021-03-02 10:00:00",
            "url": f"https://example.org/{i}", "source_domain": "example.org", **kw}


def read_all(*paths, limits=LIMITS) -> list:
    return list(RecordReader([str(p) for p in paths], limits).take(10**9))


def outcomes(out) -> dict[str, tuple]:
    """record key -> (outcome, reject reason or None)."""
    reasons = {(r.source_path, r.record_key): r.reason for r in out.rejects}
    return {s.record_key: (s.outcome, reasons.get((s.source_path, s.record_key))) for s in out.source_files}


# ------------------------------------------------------------------------------------------------ JSON

def test_malformed_json_lines_are_rejects_with_their_line_and_the_rest_loads(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join([json.dumps(obj(1)), '{"title": "cut', "", json.dumps(obj(2)), "[1, 2]",
                               json.dumps(obj(3))]) + "\n", encoding="utf-8")
    out = normalize_files(read_all(path), "run")
    assert outcomes(out) == {
        "line:1": ("loaded", None), "line:2": ("rejected", "malformed JSON line"),
        "line:4": ("loaded", None), "line:5": ("rejected", "unsupported JSON: not an object"),
        "line:6": ("loaded", None)}
    assert {a.record_key: (a.title, a.url, a.source_format) for a in out.articles}["line:4"] == (
        "Story 2", "https://example.org/2", "jsonl")
    assert next(r.detail for r in out.rejects if r.record_key == "line:2")  # json's own message


def stream_traced(path) -> tuple[int, RawRecord | None, list[tuple[str, str]], int]:
    """Stream ``path``'s records in batches of 1,000: (records, the last one, (key, reason) of the rejects,
    traced peak memory)."""
    tracemalloc.start()
    try:
        reader = RecordReader([str(path)], LIMITS)
        n, rejects, last = 0, [], None
        while batch := reader.take(1000):
            n += len(batch)
            rejects += [(r.record_key, r.reject[0]) for r in batch if r.reject]
            last = batch[-1]
            del batch
        return n, last, rejects, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_json_array_of_50000_objects_streams_with_flat_memory(tmp_path):
    path = tmp_path / "dump.json"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[\n")
        fh.write(",\n".join(json.dumps({"title": f"T{i}", "content": f"Body {i} " * 50}) for i in range(50_000)))
        fh.write("\n]\n")
    size = os.path.getsize(path)
    n, last, _, peak = stream_traced(path)
    assert n == 50_000 and last.record_key == "item:50000" and json.loads(last.data)["title"] == "T49999"
    # json.load would hold the whole file (and more as objects); the stream holds a chunk and a batch
    assert size > 25_000_000 and peak < size / 4, (size, peak)


def test_a_broken_array_item_is_a_reject_with_its_index_and_offset_and_the_items_after_it_load(tmp_path):
    path = tmp_path / "dump.json"
    path.write_text("[" + json.dumps(obj(1)) + ", " + json.dumps(obj(2)) + ', {"title": oops}, '
                    + json.dumps(obj(3)) + ", " + json.dumps(obj(4)) + "]", encoding="utf-8")
    out = normalize_files(read_all(path), "run")
    assert outcomes(out) == {"item:1": ("loaded", None), "item:2": ("loaded", None),
                             "item:3": ("rejected", "malformed JSON item"), "item:4": ("loaded", None),
                             "item:5": ("loaded", None)}
    assert [a.title for a in out.articles] == ["Story 1", "Story 2", "Story 3", "Story 4"]
    (bad,) = out.rejects
    offset = path.read_bytes().index(b'{"title": oops}')
    assert bad.detail.startswith(f"item 3 at byte {offset:,}: Expecting value (character 11 of the item)")


def test_an_array_resynchronises_after_a_lost_quote_or_bracket_by_its_lines(tmp_path):
    from dateline.sources.jsonlines import json_records

    def keys(text: str, chunk: int = 7) -> list[tuple[str, str | None]]:
        data = text.encode()
        got = json_records("x.json", [data[i:i + chunk] for i in range(0, len(data), chunk)], "json", len(data),
                           LIMITS)
        return [(r.record_key, r.reject and r.reject[0]) for r in got]

    # an item a line, one cut mid-string (its quote, brace and comma lost): the next line starts the next item
    assert keys('[\n{"a": 1},\n{"title": "T", "content": "Bo\n{"d": 2},\n{"e": 3}\n]\n') == [
        ("item:1", None), ("item:2", "malformed JSON item"), ("item:3", None), ("item:4", None)]
    # pretty-printed, an item lost a closing brace: the next line at the items' own indentation that opens a
    # whole item; the nested objects, indented deeper, are not taken for items
    pretty = ('[\n  {\n    "a": [\n      {"n": 1},\n      {"n": 2}\n    ]\n  },\n  {\n    "b": {"z": 1,\n'
              '    "q": [\n      {"n": 3},\n      {"n": 4}\n    ]\n  },\n  {\n    "c": 3\n  }\n]\n')
    assert keys(pretty) == [("item:1", None), ("item:2", "malformed JSON item"), ("item:3", None)]
    # written inline, a lost bracket leaves nothing to resynchronise on: the rest is one reject, as before
    assert keys('[{"a": 1}, {"b": {"z": 1}, {"c": 3}]') == [("item:1", None), ("rest:item:2", "malformed JSON")]


def test_a_50000_item_array_with_broken_items_streams_flat_and_accounts_for_every_item(tmp_path):
    path = tmp_path / "dump.json"
    items = [json.dumps({"title": f"T{i}", "content": f"Body {i} " * 50}) for i in range(50_000)]
    items[9_999] = '{"title": oops, "content": "' + "Body " * 50 + '"}'
    items[29_999] = '{"title": "T29999", "content": "cut off here'  # its quote, brace and comma lost
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[\n" + ",\n".join(items).replace("cut off here,", "cut off here") + "\n]\n")
    size = os.path.getsize(path)
    n, last, rejects, peak = stream_traced(path)
    assert n == 50_000 and last.record_key == "item:50000" and json.loads(last.data)["title"] == "T49999"
    assert rejects == [("item:10000", "malformed JSON item"), ("item:30000", "malformed JSON item")]
    assert size > 25_000_000 and peak < size / 4, (size, peak)


# ------------------------------------------------------------------------------------------------ CSV

def test_all_the_news_csv_with_newlines_quotes_bom_semicolons_and_a_row_without_body(tmp_path):
    rows = ["id;title;publication;author;date;year;month;url;content",
            f'1;"Budget; passed";Breitbart;Ann;2016-12-31;2016;12;https://e.org/1;"{body(1)}\nSecond paragraph ""quoted""."',
            "2;No body here;NPR;Bo;2017-01-02;2017;1;https://e.org/2;",
            f'3;Third;NPR;Bo;2017-01-03;2017;1;https://e.org/3;"{body(3)}"']
    path = tmp_path / "articles1.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode("utf-8") + b"\r\n")
    out = normalize_files(read_all(path), "run")
    assert outcomes(out) == {"row:1": ("loaded", None), "row:2": ("rejected", "no body: the row has no text"),
                             "row:3": ("loaded", None)}
    a = next(a for a in out.articles if a.record_key == "row:1")
    assert (a.title, a.publisher, a.byline, str(a.published_claimed), a.url, a.source_format) == (
        "Budget; passed", "Breitbart", "Ann", "2016-12-31", "https://e.org/1", "csv")
    assert a.body.endswith('Second paragraph "quoted".') and "\n" in a.body
    assert a.pubdate_method == "metadata:date"


# ------------------------------------------------------------------------------------------------ gzip

def test_a_truncated_gzip_loads_the_whole_records_before_the_cut_and_rejects_the_rest(tmp_path):
    data = gzip.compress("".join(json.dumps(obj(i)) + "\n" for i in range(400)).encode(), mtime=0)
    path = tmp_path / "export.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    out = normalize_files(read_all(path), "run")
    got = outcomes(out)
    (rest,) = [k for k in got if k.startswith("rest:")]
    assert got[rest] == ("rejected", "truncated gzip: the file ends mid-stream")
    loaded = [k for k, (o, _) in got.items() if o == "loaded"]
    assert 50 < len(loaded) < 400 and len(got) == len(loaded) + 1
    assert rest == f"rest:line:{len(loaded) + 1}"  # the partial line is part of the rest, not an article
    assert {a.source_format for a in out.articles} == {"jsonl.gz"}


def test_a_gzip_inflating_past_the_cap_is_rejected_from_there_and_says_how_to_raise_it(tmp_path):
    lines = "".join(json.dumps(obj(i)) + "\n" for i in range(300)).encode()
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(lines + b" " * (50 << 20)))  # 50 MB of blanks: a few kB compressed
    assert path.stat().st_size < 100_000
    out = normalize_files(read_all(path, limits=Limits(1 << 20, 2 << 20)), "run")
    got = outcomes(out)
    (rest,) = [k for k in got if k.startswith("rest:")]
    assert got[rest] == ("rejected", "gzip inflates past the size cap (2.09715 MB)")
    assert "DATELINE_MAX_INFLATED_MB" in next(r.detail for r in out.rejects if r.record_key == rest)
    assert sum(o == "loaded" for o, _ in got.values()) == 300  # all inside the cap


def test_gzipped_csv_and_json_and_text_read_like_the_plain_ones(tmp_path):
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(f"title,content\nT,{body(1)}\n".encode()))
    (tmp_path / "b.json.gz").write_bytes(gzip.compress(json.dumps([obj(2), obj(3)]).encode()))
    (tmp_path / "c.json.gz").write_bytes(gzip.compress(json.dumps(obj(4)).encode()))
    (tmp_path / "d.txt.gz").write_bytes(gzip.compress(f"Story 5\nMarch 2, 2021\n\n{body(5)}".encode()))
    out = normalize_files(read_all(*sorted(tmp_path.iterdir())), "run")
    assert sorted((a.source_path.rsplit("/", 1)[1], a.record_key, a.source_format) for a in out.articles) == [
        ("a.csv.gz", "row:1", "csv.gz"), ("b.json.gz", "item:1", "json.gz"), ("b.json.gz", "item:2", "json.gz"),
        ("c.json.gz", "", "json.gz"), ("d.txt.gz", "", "txt.gz")]
    assert not out.rejects


# ------------------------------------------------------------------------------------------------ sniffing

def test_formats_are_sniffed_from_bytes_where_the_name_lies_or_says_nothing(tmp_path):
    jsonl = "".join(json.dumps(obj(i)) + "\n" for i in range(3)).encode()
    assert detect_format("export", jsonl) == ("jsonl", False)
    assert detect_format("export.json", jsonl) == ("jsonl", False)
    assert detect_format("export.jsonl", b'[{"a": 1}]') == ("json", False)
    assert detect_format("dump.json", gzip.compress(jsonl)[:64]) == ("json", True)
    assert detect_format("crawl", b"WARC/1.0\r\n") == ("warc", False)
    assert detect_format("page", b"<!DOCTYPE html><html><body>x</body></html>") == ("html", False)
    assert detect_format("export", b"id,title,content\n1,T,Body\n") == ("csv", False)
    assert detect_format("notes.txt", jsonl) == ("txt", False)  # .txt stays text: its reader says why not
    assert detect_format("notes.txt", gzip.compress(b"Story")) == ("txt", True)  # but a gzipped one is inflated
    assert detect_format("README", b"Just some notes.\n") == (None, False)
    (tmp_path / "export").write_bytes(jsonl)
    (tmp_path / "packed.json").write_bytes(gzip.compress(jsonl))
    (tmp_path / "README").write_text("Just some notes.\n")
    got = read_all(*sorted(tmp_path.iterdir()))
    assert [(x.path.rsplit("/", 1)[1], getattr(x, "record_key", None), getattr(x, "fmt", None)) for x in got] == [
        ("README", None, None), *[("export", f"line:{i}", "jsonl") for i in (1, 2, 3)],
        *[("packed.json", f"line:{i}", "jsonl.gz") for i in (1, 2, 3)]]
    assert got[0].reason == "unsupported format: no file extension"


def test_only_the_last_record_of_a_file_carries_its_mtime(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("".join(json.dumps(obj(i)) + "\n" for i in range(3)))
    got = read_all(path)
    assert [r.mtime_ns for r in got] == [None, None, path.stat().st_mtime_ns]


# ------------------------------------------------------------------------------------------------ WARC

def warc(records, gz: bool) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    w.write_record(w.create_warcinfo_record("crawl.warc", {"software": "test"}))
    for kind, uri, ctype, payload in records:
        http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1") if ctype else None
        if kind == "request":
            http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
        w.write_record(w.create_warc_record(uri, kind, payload=io.BytesIO(payload), http_headers=http,
                                            warc_content_type=None if ctype else "text/dns"))
    return buf.getvalue()


def page(i: int) -> bytes:
    return (f"<!DOCTYPE html><html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
            f"<p>{body(i)}</p><p>{body(i + 1000)}</p></article></body></html>").encode()


LOGIN = b"""<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action="/login">
<input name="user"><input type="password" name="pw"><button>Log in</button></form></body></html>"""


@pytest.mark.parametrize("gz", [False, True])
def test_warc_pages_load_and_every_other_record_is_rejected_with_its_kind(tmp_path, gz):
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    path.write_bytes(warc([("request", "https://example.org/1", None, b""),
                           ("response", "https://example.org/1", "text/html; charset=utf-8", page(1)),
                           ("response", "https://example.org/logo.png", "image/png", b"\x89PNG\r\n\x1a\n...."),
                           ("response", "dns:example.org", None, b"example.org. 300 IN A 93.184.216.34"),
                           ("response", "https://example.org/login", "text/html", LOGIN),
                           ("response", "https://example.org/2", "text/html", page(2))], gz))
    out = normalize_files(read_all(path), "run")
    reasons = sorted(r.reason for r in out.rejects)
    assert reasons[0].startswith("no article")  # the login page
    assert reasons[1:] == ["not HTML: WARC response of image/png", "not HTML: WARC response of text/dns",
                           "not an article: WARC request record", "not an article: WARC warcinfo record"]
    assert sorted((a.title, a.url, a.source_format) for a in out.articles) == [
        ("Story 1", "https://example.org/1", "warc.gz" if gz else "warc"),
        ("Story 2", "https://example.org/2", "warc.gz" if gz else "warc")]
    assert all(s.record_key.startswith("<urn:uuid:") for s in out.source_files)
    assert len(out.source_files) == 7


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("cut", [40, 400])
def test_a_warc_cut_mid_record_loads_the_whole_records_and_rejects_the_rest(tmp_path, gz, cut):
    data = warc([("response", f"https://example.org/{i}", "text/html", page(i)) for i in range(3)], gz)
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    path.write_bytes(data[:-cut])
    out = normalize_files(read_all(path), "run")
    assert sorted(a.title for a in out.articles) == ["Story 0", "Story 1"]
    (reject,) = [r for r in out.rejects if "warcinfo" not in r.reason]
    assert reject.reason.startswith("WARC cut mid-record")


# ------------------------------------------------------------------------------------------------ --map

def test_field_names_can_be_given(tmp_path):
    from dateline.settings import Settings, parse_field_map

    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps({"headline_fr": "Budget", "texte": body(1), "quand": "2021-03-02"}) + "\n")
    plain = normalize_files(read_all(path), "run")
    assert [r.reason for r in plain.rejects] == ["no body: JSON object has no text field"]
    mapped = normalize_files(read_all(path), "run", field_map=parse_field_map("body=texte, published=quand,title=headline_fr"))
    (a,) = mapped.articles
    assert (a.title, str(a.published_claimed), a.pubdate_method) == ("Budget", "2021-03-02", "metadata:quand")
    assert Settings(field_map="body=texte").field_mapping == {"body": "texte"}
    with pytest.raises(ValueError, match="unknown field 'content'"):
        parse_field_map("content=texte")
    with pytest.raises(ValueError, match="FIELD=KEY"):
        Settings(field_map="body")


def test_the_fields_map_can_name_are_the_fields_json_keys_know():
    from dateline.settings import MAPPABLE_FIELDS
    from dateline.sources.jsonfile import FIELD_KEYS

    assert set(MAPPABLE_FIELDS) == set(FIELD_KEYS)


# ------------------------------------------------------------------------------------------------ the flow

def write_mixed(root):
    root.mkdir()
    (root / "a.jsonl").write_text("".join(json.dumps(obj(i)) + "\n" for i in range(5)) + "{broken\n")
    (root / "b.csv").write_text("title,content,date\n" + "".join(f'T{i},"{body(100 + i)}",2020-05-0{i + 1}\n'
                                                                for i in range(4)) + "Empty,,2020-05-09\n")
    (root / "c.json").write_text(json.dumps([obj(200), obj(201), obj(1)]))  # obj(1) repeats a.jsonl line 2
    (root / "d.txt").write_text(f"Plain story\nMarch 2, 2021\n\n{body(300)}")
    (root / "e.warc.gz").write_bytes(warc([("response", "https://example.org/w", "text/html", page(400))], True))
    (root / "f.pdf").write_bytes(b"%PDF-1.4")


def test_the_flow_accounts_for_every_record_and_counts_them_per_format(prefect_harness, tmp_path):
    from flows.news_etl import news_etl

    write_mixed(tmp_path / "in")
    db = tmp_path / "r.duckdb"
    first = news_etl(paths=[str(tmp_path / "in")], db=str(db), batch_size=4, data_docs=False)
    # a.jsonl 6, b.csv 5, c.json 3, d.txt 1, e.warc.gz 2 (warcinfo + page), f.pdf 1
    assert (first["files_seen"], first["records_seen"]) == (6, 18)
    assert (first["loaded"], first["duplicates"], first["rejected"], first["unaccounted"]) == (13, 1, 4, 0)
    formats = {f["format"]: (f["records"], f["loaded"], f["duplicates"], f["rejected"]) for f in first["formats"]}
    assert formats == {"jsonl": (6, 5, 0, 1), "csv": (5, 4, 0, 1), "json": (3, 2, 1, 0), "txt": (1, 1, 0, 0),
                       "warc.gz": (2, 1, 0, 1), "unknown": (1, 0, 0, 1)}
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT source_path, record_key, reason FROM rejects ORDER BY 1, 2").fetchall()[:2] == [
            (str(tmp_path / "in" / "a.jsonl"), "line:6", "malformed JSON line"),
            (str(tmp_path / "in" / "b.csv"), "row:5", "no body: the row has no text")]
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (13, 13)
    again = news_etl(paths=[str(tmp_path / "in")], db=str(db), batch_size=4, data_docs=False)
    assert (again["loaded"], again["duplicates"], again["unaccounted"]) == (0, 0, 0)
    assert again["already_loaded"] == 5 and again["rejected"] == 1  # every file skipped unread but the .pdf
    # a touched file is read again, and every record of it is found already handled, one by one
    os.utime(tmp_path / "in" / "a.jsonl", ns=(1, 1))
    third = news_etl(paths=[str(tmp_path / "in")], db=str(db), batch_size=4, data_docs=False)
    assert (third["loaded"], third["duplicates"], third["already_loaded"], third["unaccounted"]) == (0, 0, 4 + 6, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (13,)
    # ... and its new mtime noted: the next run skips it unread again
    fourth = news_etl(paths=[str(tmp_path / "in")], db=str(db), batch_size=4, data_docs=False)
    assert (fourth["already_loaded"], fourth["records_seen"], fourth["loaded"]) == (5, 6, 0)


def test_the_run_summary_counts_records_per_format():
    from dateline.orchestration.report import run_markdown
    from schemas import Run

    run = Run(run_id="r", flow_name="news-etl", started_at="2026-12-06T00:00:00", input_paths=["in"],
              code_version="v", files_seen=2, records_seen=7)
    md = run_markdown(run, {"loaded": 5, "duplicates": 0, "rejected": 2, "passed": 5, "warned": 0, "quarantined": 0,
                            "reject_reasons": [], "expectation_failures": [], "date_anomalies": [],
                            "formats": [{"format": "jsonl", "records": 6, "loaded": 5, "duplicates": 0, "rejected": 1},
                                        {"format": "unknown", "records": 1, "loaded": 0, "duplicates": 0, "rejected": 1}]})
    assert "## Records, by input format (7 seen)" in md and "| jsonl | 6 | 5 | 0 | 1 |" in md


# ------------------------------------------------------------------------------------------------ migration

OLD_SOURCE_FILES = """CREATE TABLE source_files (source_path VARCHAR NOT NULL, content_sha256 VARCHAR NOT NULL,
    size_bytes BIGINT, outcome VARCHAR NOT NULL CHECK (outcome IN ('loaded', 'duplicate', 'rejected')),
    article_id VARCHAR, run_id VARCHAR NOT NULL, seen_at TIMESTAMP NOT NULL, mtime_ns BIGINT,
    PRIMARY KEY (source_path, content_sha256))"""
OLD_REJECTS = """CREATE TABLE rejects (source_path VARCHAR NOT NULL, content_sha256 VARCHAR NOT NULL,
    size_bytes BIGINT, reason VARCHAR NOT NULL, detail VARCHAR, run_id VARCHAR NOT NULL,
    rejected_at TIMESTAMP NOT NULL, PRIMARY KEY (source_path, content_sha256))"""


def test_a_database_of_the_file_keyed_ledger_is_rekeyed_and_a_rerun_adds_nothing(prefect_harness, tmp_path):
    """The ledger tables as main wrote them before record keys (DDL copied from that version): opening
    rebuilds them keyed by record, rows kept, and a re-run over the same files duplicates nothing."""
    from dateline.store.database import Database
    from flows.news_etl import news_etl

    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.txt").write_text(f"Story {i}\nMarch 2, 2021\n\n{body(i)}")
    (src / "bad.txt").write_bytes(b"")
    db = tmp_path / "old.duckdb"
    news_etl(paths=[str(src)], db=str(db), data_docs=False)
    with duckdb.connect(str(db)) as con:  # back to the old layout, rows as the old code wrote them
        for table, ddl in (("source_files", OLD_SOURCE_FILES), ("rejects", OLD_REJECTS)):
            con.execute(f"CREATE TABLE keep AS SELECT * EXCLUDE (record_key{', source_format' * (table == 'source_files')}) FROM {table}")
            con.execute(f"DROP TABLE {table}")
            con.execute(ddl)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM keep")
            con.execute("DROP TABLE keep")
        con.execute("ALTER TABLE articles DROP COLUMN record_key")
    with Database.open(db) as database, database.cursor() as con:
        for table in ("source_files", "rejects"):
            (key,) = con.execute("SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = $1"
                                 " AND constraint_type = 'PRIMARY KEY'", [table]).fetchone()
            assert key == ["source_path", "content_sha256", "record_key"]
        assert con.execute("SELECT count(*), count(*) FILTER (record_key = '') FROM source_files").fetchone() == (4, 4)
        assert con.execute("SELECT count(*) FROM rejects WHERE record_key = ''").fetchone() == (1,)
    for f in src.iterdir():  # touched: read again, and found handled by the migrated ledger rows
        os.utime(f, ns=(2, 2))
    again = news_etl(paths=[str(src)], db=str(db), data_docs=False)
    assert (again["loaded"], again["duplicates"], again["already_loaded"], again["unaccounted"]) == (0, 0, 4, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM source_files").fetchone() == (4,)
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (3,)


def test_a_wrong_map_stops_the_cli_before_anything_runs(tmp_path, capsys):
    from dateline.cli import main

    assert main(["run", str(tmp_path), "--db", str(tmp_path / "x.duckdb"), "--map", "content=texte"]) == 2
    assert "unknown field 'content'" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()


def test_the_records_bench_runs_and_prints_both_figures():
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import ROOT

    bench = ROOT / "bench" / "records.py"
    if not (ROOT.parent / "shared" / "devsets" / "reuters_dev" / "reuters_dev.jsonl").exists():
        pytest.skip("reuters_dev is absent")
    out = subprocess.run([sys.executable, str(bench), "--sizes-mb", "1,2", "--n", "60", "--rounds", "1"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    assert "peak RSS largest / smallest" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip().startswith(("jsonl", "csv", "txt"))}
    assert set(rows) == {"jsonl", "csv", "txt"} and all(r[1] == r[2] == "60" for r in rows.values())


def _breaks_after_first_line(monkeypatch):
    """Make the JSON Lines reader break (a bug) after its first line, as a real reader bug would."""
    from dateline.sources import jsonlines

    real = jsonlines.jsonl_records

    def breaks(*args):
        it = real(*args)
        yield next(it)
        raise RuntimeError("reader bug")

    monkeypatch.setattr(jsonlines, "jsonl_records", breaks)



def test_a_reader_that_breaks_mid_file_leaves_a_reject_not_a_crash(tmp_path, monkeypatch):
    path = tmp_path / "x.jsonl"
    path.write_text("".join(json.dumps(obj(i)) + "\n" for i in range(3)))
    _breaks_after_first_line(monkeypatch)
    got = read_all(path)
    assert [r.record_key for r in got] == ["line:1", "rest:record:2"]
    assert got[1].reject == ("internal error while reading: RuntimeError", "reader bug")
    assert got[1].mtime_ns is not None  # ... and, an internal error, it is retried by the next run


def _ledger(db) -> tuple[list, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        return (con.execute("SELECT record_key, outcome FROM source_files ORDER BY 1").fetchall(),
                con.execute("SELECT record_key, reason FROM rejects ORDER BY 1").fetchall())


def test_a_later_read_supersedes_the_readers_internal_error_reject(tmp_path, monkeypatch):
    from dateline.store import ledger, loads
    from dateline.store.database import Database
    from schemas import Batch

    path = tmp_path / "x.jsonl"
    path.write_text("".join(json.dumps(obj(i)) + "\n" for i in range(3)) + "{broken\n")
    db = tmp_path / "l.duckdb"
    with monkeypatch.context() as m:
        _breaks_after_first_line(m)
        first = normalize_files(read_all(path), "r1")
    with Database.open(db) as database:
        loads.load_batch(database, Batch(source_files=first.source_files, articles=first.articles,
                                         rejects=first.rejects))
    assert _ledger(db) == ([("line:1", "loaded"), ("rest:record:2", "rejected")],
                           [("rest:record:2", "internal error while reading: RuntimeError")])
    with Database.open(db) as database:  # the next run reads the file again: the reject is dateline's fault
        st = os.stat(path)
        assert ledger.changed_paths(database, [(str(path), st.st_size, st.st_mtime_ns)]) == {str(path)}
        records = read_all(path)
        state = ledger.ledger_state(database, [(r.path, r.sha256, r.record_key) for r in records])
        again = normalize_files([r for r in records if (r.path, r.sha256, r.record_key) not in state.done], "r2",
                                seen=state.articles)
        loads.load_batch(database, Batch(source_files=again.source_files, articles=again.articles,
                                         rejects=again.rejects))
        assert ledger.changed_paths(database, [(str(path), st.st_size, st.st_mtime_ns)]) == set()  # settled
    # one ledger row per record of the file: 3 articles and the broken line's own reject, nothing stale
    assert _ledger(db) == ([("line:1", "loaded"), ("line:2", "loaded"), ("line:3", "loaded"),
                            ("line:4", "rejected")], [("line:4", "malformed JSON line")])


def test_a_flow_run_after_a_reader_bug_leaves_exact_accounting(prefect_harness, tmp_path, monkeypatch):
    from flows.news_etl import news_etl

    root = tmp_path / "in"
    root.mkdir()
    (root / "x.jsonl").write_text("".join(json.dumps(obj(i)) + "\n" for i in range(3)))
    db = tmp_path / "r.duckdb"
    with monkeypatch.context() as m:
        _breaks_after_first_line(m)
        first = news_etl(paths=[str(root)], db=str(db), batch_size=4, data_docs=False)
    assert (first["records_seen"], first["loaded"], first["rejected"], first["unaccounted"]) == (2, 1, 1, 0)
    again = news_etl(paths=[str(root)], db=str(db), batch_size=4, data_docs=False)
    assert (again["records_seen"], again["already_loaded"], again["loaded"], again["unaccounted"]) == (3, 1, 2, 0)
    # the database's own accounting: articles + duplicates + rejects = the file's 3 records
    assert _ledger(db) == ([("line:1", "loaded"), ("line:2", "loaded"), ("line:3", "loaded")], [])
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (3,)
