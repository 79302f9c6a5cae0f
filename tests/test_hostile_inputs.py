"""Dirty input: every discovered file ends as exactly one of an article (passed/warned), a quarantined
article, or a ``rejects`` row with a reason a person understands, and the counts add up.

The pure reading and decoding functions are tested directly; one real flow run (module-scoped, shared by
the tests) goes over a folder holding one file of each kind, and another over 10,000 tiny files.
"""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from dateline.sources import files as sources
from dateline.parse.normalize import normalize_files
from dateline.sources.files import RawFile, Unreadable, decode_bytes, discover_files, read_file

BODY = ("The regional council met on Tuesday to discuss the new budget, which officials said would fund "
        "schools, clinics and roads across the province for the coming year. ")
ARTICLE = f"Council approves budget\nMarch 3, 2021\n\n{BODY * 3}\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa" + bytes(range(256))
BOILERPLATE_ONLY = "Advertisement\n[ad_1]\nSign up for our free weekly newsletter\n"
HTML = ("<!DOCTYPE html>\n<html><head><title>Council approves budget</title></head>\n<body><nav>Home | World</nav>"
        f"<p>{BODY}</p><script>track()</script></body></html>\n")
JSON = '{"title": "Council approves budget", "date": "2021-03-03", "body": "%s"}\n' % BODY.strip()
FUTURE = date.today() + timedelta(days=400)


def mojibake(s: str) -> bytes:
    """``s`` as a tool that read UTF-8 as Windows-1252 saved it (0x9D, the end of "”", became U+FFFD)."""
    return s.encode().decode("cp1252", errors="replace").encode()


def article(tag: str, header: str = "March 3, 2021") -> str:
    """A distinct, plausible article (the tag keeps the bytes unique)."""
    return f"Council approves budget ({tag})\n{header}\n\n{BODY * 3}Reference {tag}.\n"


# --------------------------------------------------------------------------------------------------
# Pure: decoding
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty file"),
    (b"  \n\t\r\n  \n", "empty: whitespace only"),
    (PNG, "not text: binary content"),
    (os.urandom(2000).replace(b"\x00", b"") + b"\x00" * 100, "not text: binary content"),
    (HTML.encode(), "not plain text: HTML document"),
    (JSON.encode(), "not plain text: JSON document"),
    (b'[{"a": 1}, {"a": 2}]', "not plain text: JSON document"),
    (b'{"a": 1}\n{"a": 2}\n', "not plain text: JSON document"),
    (b'<?xml version="1.0"?><rss><channel><item><title>x</title></item></channel></rss>', "not plain text: XML document"),
    (b"<div><p>Council approves budget</p><p>The council met.</p></div>", "not plain text: HTML document"),
])
def test_reject_reasons(data, reason):
    decoded = decode_bytes(data)
    assert decoded.text is None and decoded.reject_reason == reason


@pytest.mark.parametrize(("data", "encoding", "contains"), [
    ("Council’s “budget” — £5m".encode("utf-16"), "utf-16", "Council’s “budget” — £5m"),
    ("Council’s “budget” — £5m".encode("utf-16-le"), "utf-16-le", "Council’s “budget”"),
    (b"\xef\xbb\xbf" + "Council’s £5m".encode(), "utf-8-sig", "Council’s £5m"),
    ("Council’s “budget” — £5m, café".encode("cp1252"), "cp1252", "Council’s “budget” — £5m, café"),
    (mojibake("Council’s “budget” — £5m, café"), "utf-8+mojibake-repaired",
     "Council’s “budget” — £5m, café"),
    (b"line one\r\nline two\rline three\nline four", "utf-8", "line one\nline two\nline three\nline four"),
    (b"Council\x00 approves the budget for the year, the minister said on Tuesday evening.", "utf-8",
     "Council approves"),
    (b"{not json at all}, said the council", "utf-8", "{not json"),
    (b"<3 said the mayor, who loves the new budget", "utf-8", "<3 said"),
])
def test_decoding_repairs_and_records_the_encoding(data, encoding, contains):
    decoded = decode_bytes(data)
    assert decoded.reject_reason is None, decoded
    assert decoded.encoding == encoding
    assert contains in decoded.text
    assert "\r" not in decoded.text and "\x00" not in decoded.text and "\ufeff" not in decoded.text


def test_mojibake_repair_needs_valid_utf8_and_leaves_real_letters_alone():
    assert sources.repair_mojibake("Itâ€™s â€œquotedâ€\ufffd") == ("It’s “quoted”", 3)
    assert sources.repair_mojibake("ZaÅ¼Ã³Å‚Ä‡ gÄ™Å›lÄ…") == ("Zażółć gęślą", 7)
    for clean in ("CAFÉ» naïve Ü Ø São Paulo", "Â", "price: 5 € or £4", "Ã alone"):
        assert sources.repair_mojibake(clean) == (clean, 0)


# --------------------------------------------------------------------------------------------------
# Pure: reading
# --------------------------------------------------------------------------------------------------

def test_read_file_refuses_what_it_should_not_read(tmp_path):
    (tmp_path / "dir.txt").mkdir()
    os.mkfifo(tmp_path / "fifo.txt")  # opening it for reading would block forever
    (tmp_path / "loop1.txt").symlink_to(tmp_path / "loop2.txt")
    (tmp_path / "loop2.txt").symlink_to(tmp_path / "loop1.txt")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2_000_001)
    expected = {
        "dir.txt": "not a file: it is a directory",
        "fifo.txt": "not a regular file: FIFO (named pipe)",
        "loop1.txt": "unreadable: symlink loop",
        "dangling.txt": "unreadable: dangling symlink (its target does not exist)",
        "gone.txt": "file vanished before it could be read",
    }
    for name, reason in expected.items():
        got = read_file(str(tmp_path / name))
        assert isinstance(got, Unreadable) and got.reason == reason, (name, got)
    too_big = read_file(str(big), max_bytes=1_000_000)
    assert isinstance(too_big, Unreadable) and too_big.reason == "too large: 2.0 MB > limit 1 MB"
    assert too_big.size == 2_000_001
    assert isinstance(read_file(str(big), max_bytes=3_000_000), RawFile)


def test_the_size_limit_comes_from_the_settings(monkeypatch, tmp_path):
    from dateline.settings import Settings, get_settings

    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 600_000)
    monkeypatch.setenv("DATELINE_MAX_FILE_MB", "0.5")
    assert get_settings().max_file_bytes == 500_000
    assert get_settings(max_file_mb=2).max_file_bytes == 2_000_000
    assert isinstance(read_file(str(big)), Unreadable)  # no limit given: the settings' limit applies
    monkeypatch.delenv("DATELINE_MAX_FILE_MB")
    assert get_settings().max_file_bytes == int(Settings.model_fields["max_file_mb"].default * 1_000_000)


@pytest.mark.skipif(os.geteuid() == 0, reason="runs as root: chmod 000 does not stop root from reading "
                    "(the FIFO, directory and symlink cases cover unreadable files)")
def test_permission_denied(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text(ARTICLE)
    p.chmod(0)
    got = read_file(str(p))
    assert isinstance(got, Unreadable) and got.reason == "unreadable: permission denied"


def test_a_file_edited_while_read_is_read_again(tmp_path):
    p = tmp_path / "live.txt"
    p.write_text("first version\n")
    calls = []

    def edit_during_first_read(fd: int, limit: int) -> bytes:
        data = sources._read_all(fd, limit)
        calls.append(data)
        if len(calls) == 1:
            with open(p, "a") as fh:  # someone appends while we read
                fh.write("second paragraph\n")
        return data

    got = read_file(str(p), _reader=edit_during_first_read)
    assert len(calls) == 2
    assert isinstance(got, RawFile) and got.data == b"first version\nsecond paragraph\n"
    assert got.sha256 == hashlib.sha256(got.data).hexdigest()


def test_a_file_that_never_stops_changing_is_reported(tmp_path):
    p = tmp_path / "log.txt"
    p.write_text("start\n")

    def always_edit(fd: int, limit: int) -> bytes:
        data = sources._read_all(fd, limit)
        with open(p, "a") as fh:
            fh.write("more\n")
        return data

    got = read_file(str(p), _reader=always_edit)
    assert isinstance(got, Unreadable) and got.reason == "unreadable: file kept changing while being read"


def test_a_file_replaced_while_read_is_read_again(tmp_path):
    p = tmp_path / "saved.txt"
    p.write_text("old\n")
    calls = []

    def atomic_save_during_first_read(fd: int, limit: int) -> bytes:
        calls.append(1)
        data = sources._read_all(fd, limit)
        if len(calls) == 1:
            tmp = tmp_path / "saved.tmp"
            tmp.write_text("new\n")
            os.replace(tmp, p)  # editors save by rename: the old inode is what we were reading
        return data

    got = read_file(str(p), _reader=atomic_save_during_first_read)
    assert isinstance(got, RawFile) and got.data == b"new\n"


def test_a_file_deleted_between_discovery_and_read(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.txt").write_text(article("b"))
    found = discover_files([tmp_path])
    (tmp_path / "a.txt").unlink()
    read = [read_file(p) for p in found]
    out = normalize_files(read, "r1")
    assert [(s.source_path, s.outcome, s.content_sha256) for s in out.source_files] == [
        (str(tmp_path / "a.txt"), "rejected", ""), (str(tmp_path / "b.txt"), "loaded", read[1].sha256)]
    assert [r.reason for r in out.rejects] == ["file vanished before it could be read"]


def test_discovery_lists_odd_entries_and_survives_symlink_loops(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)  # a directory loop
    (tmp_path / "sub" / "a.txt").write_text(ARTICLE)
    (tmp_path / "notes.md").write_text("not a .txt")
    (tmp_path / "d.txt").mkdir()
    (tmp_path / "d.txt" / "inner.txt").write_text(article("inner"))
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere")
    found = discover_files([tmp_path])
    assert found == sorted(str(tmp_path / p) for p in ("sub/a.txt", "notes.md", "d.txt", "d.txt/inner.txt", "dangling.txt"))


def test_non_utf8_file_names_are_stored_escaped():
    raw = os.fsdecode(b"/in/caf\xe9.txt")
    assert sources.storable_path(raw) == "/in/caf\\xe9.txt"
    assert sources.storable_path("/in/naïve 日本\n.txt") == "/in/naïve 日本\n.txt"


def test_copies_of_content_share_one_article_and_copies_of_rejects_share_the_reason():
    files = [RawFile(p, d, hashlib.sha256(d).hexdigest()) for p, d in
             [("a.txt", ARTICLE.encode()), ("b.txt", ARTICLE.encode()), ("x.txt", PNG), ("y.txt", PNG)]]
    out = normalize_files(files, "r1")
    assert sorted((s.source_path, s.outcome) for s in out.source_files) == [
        ("a.txt", "loaded"), ("b.txt", "duplicate"), ("x.txt", "rejected"), ("y.txt", "rejected")]
    assert len(out.articles) == 1
    assert [(r.source_path, r.reason) for r in out.rejects] == [
        ("x.txt", "not text: binary content"), ("y.txt", "not text: binary content")]


def test_header_only_and_boilerplate_only_reasons():
    files = [RawFile(p, d, hashlib.sha256(d).hexdigest()) for p, d in
             [("dateline.txt", b"March 29, 2024\n"), ("bp.txt", BOILERPLATE_ONLY.encode())]]
    out = normalize_files(files, "r1")
    reasons = {r.source_path: (r.reason, r.detail) for r in out.rejects}
    assert reasons["dateline.txt"] == ("no body: header lines only, no article text", "date line")
    assert reasons["bp.txt"][0] == "empty after boilerplate removal"
    assert "ad_marker" in reasons["bp.txt"][1]


# --------------------------------------------------------------------------------------------------
# The real flow over one folder of hostile inputs
# --------------------------------------------------------------------------------------------------

def write_hostile_folder(root: Path) -> dict[str, str]:
    """Create one file of each kind; return {file name: expected outcome or reject reason}."""
    expect: dict[str, str] = {}

    def put(name: str, data: bytes | str, outcome: str) -> None:
        (root / name).write_bytes(data.encode() if isinstance(data, str) else data)
        expect[name] = outcome

    put("empty.txt", b"", "empty file")
    put("whitespace.txt", "   \n\t\n  \r\n", "empty: whitespace only")
    put("image.txt", PNG, "not text: binary content")
    put("image copy.txt", PNG, "not text: binary content")
    put("utf16.txt", article("utf16").encode("utf-16"), "loaded")
    put("utf8bom.txt", b"\xef\xbb\xbf" + article("bom").encode(), "loaded")
    put("cp1252.txt", article("cp1252 – “curly” £5m ‘quotes’").encode("cp1252"), "loaded")
    put("mojibake.txt", mojibake(article("it’s “mojibake” – £5m")), "loaded")
    put("line endings.txt", article("eol").replace("\n", "\r\n", 2).replace("\n\n", "\r\r"), "loaded")
    put("nul.txt", article("nul").replace("council", "coun\x00cil"), "loaded")
    # 1 MB on one line: a real article never is one, but it is text; it loads and is quarantined by the
    # suite's word-count ceiling (about 170,000 words), not rejected.
    put("one line.txt", "Council approves budget " + BODY * 6800, "loaded")
    put("boilerplate.txt", BOILERPLATE_ONLY, "empty after boilerplate removal")
    put("page.txt", HTML, "not plain text: HTML document")
    put("data.txt", JSON, "not plain text: JSON document")
    put("date 9999.txt", article("9999", "9999-12-31"), "loaded")
    put("date feb31.txt", article("feb31", "31 February 2021"), "loaded")
    put("date 0000.txt", article("0000", "0000-00-00"), "loaded")
    put("date future.txt", article("future", FUTURE.strftime("%B %d, %Y")), "loaded")
    put("dateline only.txt", "March 29, 2024\n", "no body: header lines only, no article text")
    put("copy a.txt", article("copy"), "loaded")
    put("copy b.txt", article("copy"), "duplicate")
    put("name with spaces.txt", article("spaces"), "loaded")
    put("new\nline.txt", article("newline"), "loaded")
    put("naïve – 日本.txt", article("unicode name"), "loaded")
    put("report.pdf", b"%PDF-1.4 council budget", "unsupported format: .pdf")
    put("README", article("no extension"), "unsupported format: no file extension")
    (root / os.fsdecode(b"latin1 caf\xe9.txt")).write_text(article("latin1 name"))
    expect["latin1 caf\\xe9.txt"] = "loaded"
    with open(root / "huge.txt", "wb") as fh:  # 50 MB: rejected unread
        chunk = (BODY * 100).encode()
        for _ in range(50_000_000 // len(chunk) + 1):
            fh.write(chunk)
    expect["huge.txt"] = "too large: 50.0 MB > limit 10 MB"
    (root / "dir.txt").mkdir()
    expect["dir.txt"] = "not a file: it is a directory"
    os.mkfifo(root / "fifo.txt")
    expect["fifo.txt"] = "not a regular file: FIFO (named pipe)"
    (root / "loop1.txt").symlink_to(root / "loop2.txt")
    (root / "loop2.txt").symlink_to(root / "loop1.txt")
    expect["loop1.txt"] = expect["loop2.txt"] = "unreadable: symlink loop"
    (root / "dangling.txt").symlink_to(root / "deleted.txt")
    expect["dangling.txt"] = "unreadable: dangling symlink (its target does not exist)"
    return expect


@pytest.fixture(scope="module")
def hostile(prefect_harness, tmp_path_factory):
    from flows.news_etl import news_etl

    root = tmp_path_factory.mktemp("hostile")
    expect = write_hostile_folder(root)
    db = tmp_path_factory.mktemp("db") / "hostile.duckdb"
    first = news_etl(paths=[str(root)], db=str(db), batch_size=8, max_file_mb=10)
    with duckdb.connect(str(db), read_only=True) as con:
        # the ledger keeps each file's latest outcome: read the first run's rows before the second run
        first_ledger = rows(con, "SELECT * FROM source_files WHERE run_id = ?", [first["run_id"]])
        first_outcomes = outcomes(con, root)
    second = news_etl(paths=[str(root)], db=str(db), batch_size=8, max_file_mb=10)
    con = duckdb.connect(str(db), read_only=True)
    yield {"root": root, "expect": expect, "first": first, "second": second, "con": con,
           "first_ledger": first_ledger, "first_outcomes": first_outcomes}
    con.close()
    (root / "huge.txt").unlink()


def outcomes(con, root: Path) -> dict[str, str]:
    """{file name: 'loaded' / 'duplicate' / reject reason} from the ledger."""
    got = {}
    for r in rows(con, "SELECT s.source_path, s.outcome, r.reason FROM source_files s "
                       "LEFT JOIN rejects r USING (source_path, content_sha256)"):
        got[r["source_path"][len(str(root)) + 1:]] = r["reason"] if r["outcome"] == "rejected" else r["outcome"]
    return got


def rows(con, sql, params=()):
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_every_file_is_accounted_for_once(hostile):
    first, con, root = hostile["first"], hostile["con"], hostile["root"]
    assert first["files_seen"] == len(hostile["expect"])
    assert first["loaded"] + first["duplicates"] + first["rejected"] + first["already_loaded"] == first["files_seen"]
    assert first["unaccounted"] == 0 and first["already_loaded"] == 0
    assert first["passed"] + first["warned"] + first["quarantined"] == first["loaded"]
    ledger = hostile["first_ledger"]
    assert len(ledger) == first["files_seen"]
    names = sorted(r["source_path"][len(str(root)) + 1:] for r in ledger)
    assert names == sorted(hostile["expect"])
    run = rows(con, "SELECT * FROM runs WHERE run_id = ?", [first["run_id"]])[0]
    assert (run["status"], run["files_seen"], run["articles_loaded"], run["duplicates"], run["rejected"]) == (
        "Completed", first["files_seen"], first["loaded"], first["duplicates"], first["rejected"])


def test_each_file_ends_as_expected(hostile):
    assert hostile["first_outcomes"] == hostile["expect"]
    assert outcomes(hostile["con"], hostile["root"]) == hostile["expect"]  # and still after the re-run
    reasons = {r["reason"] for r in hostile["first"]["reject_reasons"]}
    assert reasons == {v for v in hostile["expect"].values() if v not in ("loaded", "duplicate")}


def get_article(con, root, name):
    (a,) = rows(con, "SELECT * FROM articles WHERE source_path = ?", [str(root / name)])
    return a


def test_encodings_are_repaired_and_recorded(hostile):
    con, root = hostile["con"], hostile["root"]
    expected = {"utf16.txt": "utf-16", "utf8bom.txt": "utf-8-sig", "cp1252.txt": "cp1252",
                "mojibake.txt": "utf-8+mojibake-repaired", "line endings.txt": "utf-8", "nul.txt": "utf-8"}
    for name, encoding in expected.items():
        a = get_article(con, root, name)
        assert a["encoding"] == encoding, name
        assert a["title"].startswith("Council approves budget"), name
        assert not any(c in a["body"] + a["title"] for c in "\r\x00\ufeff"), name
    assert "“curly” £5m ‘quotes’" in get_article(con, root, "cp1252.txt")["title"]
    assert "it’s “mojibake” – £5m" in get_article(con, root, "mojibake.txt")["title"]
    assert "coun\x00cil" not in get_article(con, root, "nul.txt")["body"]


def test_impossible_and_future_dates_do_not_crash(hostile):
    con, root = hostile["con"], hostile["root"]
    for name in ("date 9999.txt", "date feb31.txt", "date 0000.txt"):
        a = get_article(con, root, name)
        assert a["published_claimed"] is None, name
        assert a["dateline_text"] is not None
    future = get_article(con, root, "date future.txt")
    assert future["published_claimed"] == FUTURE
    assert future["quality_status"] == "quarantined"
    failed = rows(con, "SELECT expectation, column_name FROM quality_results WHERE article_id = ? AND NOT success",
                  [future["article_id"]])
    assert any(f["column_name"] == "published_claimed" for f in failed), failed


def test_the_one_megabyte_line_is_quarantined_not_lost(hostile):
    a = get_article(hostile["con"], hostile["root"], "one line.txt")
    assert a["size_bytes"] > 1_000_000 and a["word_count"] > 100_000
    assert a["quality_status"] == "quarantined"


def test_two_copies_make_one_article_and_one_duplicate_row(hostile):
    con, root = hostile["con"], hostile["root"]
    a = get_article(con, root, "copy a.txt")
    dup = rows(con, "SELECT * FROM source_files WHERE source_path = ?", [str(root / "copy b.txt")])
    assert [(d["outcome"], d["article_id"]) for d in dup] == [("duplicate", a["article_id"])]
    assert con.execute("SELECT count(*) FROM articles WHERE content_sha256 = ?", [a["content_sha256"]]).fetchone() == (1,)


def test_odd_file_names_are_kept(hostile):
    con, root = hostile["con"], hostile["root"]
    for name in ("name with spaces.txt", "new\nline.txt", "naïve – 日本.txt", "latin1 caf\\xe9.txt"):
        assert get_article(con, root, name)["title"].startswith("Council approves budget"), name


def test_a_rerun_accounts_for_every_file_again(hostile):
    second, con = hostile["second"], hostile["con"]
    assert second["files_seen"] == hostile["first"]["files_seen"]
    assert second["loaded"] == second["duplicates"] == 0
    # files it could not read get another try (and another ledger row), and so do files of formats it
    # does not read (a later version may); everything else is skipped
    unreadable = {"dir.txt", "fifo.txt", "loop1.txt", "loop2.txt", "dangling.txt", "huge.txt", "report.pdf", "README"}
    assert second["rejected"] == len(unreadable)
    assert second["already_loaded"] == second["files_seen"] - len(unreadable)
    assert second["unaccounted"] == 0
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == hostile["first"]["loaded"]
    assert con.execute("SELECT count(*) FROM source_files WHERE run_id = ?", [second["run_id"]]).fetchone() == (
        len(unreadable),)
    runs = con.execute("SELECT status, files_seen, already_loaded, rejected FROM runs ORDER BY started_at").fetchall()
    assert runs[1] == ("Completed", second["files_seen"], second["files_seen"] - len(unreadable), len(unreadable))


# --------------------------------------------------------------------------------------------------
# 10,000 tiny files
# --------------------------------------------------------------------------------------------------

def test_ten_thousand_tiny_files(prefect_harness, tmp_path):
    from flows.news_etl import news_etl

    root = tmp_path / "tiny"
    for d in range(10):
        (root / f"d{d}").mkdir(parents=True)
        for i in range(1000):
            n = d * 1000 + i
            (root / f"d{d}" / f"{i:04d}.txt").write_text(f"Note {n}: the council met.\n" if n % 100 else "")
    db = tmp_path / "tiny.duckdb"
    result = news_etl(paths=[str(root)], db=str(db), batch_size=2500)
    assert result["files_seen"] == 10_000 and result["unaccounted"] == 0
    assert result["loaded"] + result["duplicates"] + result["rejected"] == 10_000
    assert result["rejected"] == 100 and result["reject_reasons"] == [{"reason": "empty file", "files": 100}]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT source_path) FROM source_files").fetchone() == (10_000, 10_000)
        # a five-word note is stored and counted, flagged as too short to be much of an article
        assert con.execute("SELECT quality_status, count(*) FROM articles GROUP BY 1").fetchall() == [("warned", 9_900)]


# --------------------------------------------------------------------------------------------------
# The ledger across runs (store level, no Prefect)
# --------------------------------------------------------------------------------------------------

def test_the_ledger_knows_content_under_new_names_and_retries_internal_errors(tmp_path):
    from dateline.store import ledger, loads
    from dateline.store.database import Database
    from schemas import Batch

    good = RawFile("a.txt", ARTICLE.encode(), hashlib.sha256(ARTICLE.encode()).hexdigest())
    png = RawFile("x.png.txt", PNG, hashlib.sha256(PNG).hexdigest())
    odd = RawFile("odd.txt", b" \n ", hashlib.sha256(b" \n ").hexdigest())  # rejected: whitespace only
    out = normalize_files([good, png, odd, Unreadable("gone.txt", "file vanished before it could be read", "")], "r1")
    # pretend dateline failed on odd.txt: such rejects are retried by the next run
    out.rejects = [
        r.model_copy(update={"reason": "internal error while parsing: ValueError"}) if r.source_path == "odd.txt"
        else r for r in out.rejects]
    with Database.open(tmp_path / "l.duckdb") as database:
        loads.load_batch(database, Batch(source_files=out.source_files, articles=out.articles, rejects=out.rejects))
        state = ledger.ledger_state(database, [("a.txt", good.sha256, ""), ("copy.txt", good.sha256, ""),
                                               ("x.png.txt", png.sha256, ""), ("y.png.txt", png.sha256, ""),
                                               ("odd.txt", odd.sha256, ""), ("gone.txt", "", "")])
    assert state.done == {("a.txt", good.sha256, ""), ("x.png.txt", png.sha256, "")}  # skipped by the next run
    assert state.articles == {good.sha256: good.sha256[:16]}  # copy.txt becomes a duplicate of it
    assert state.rejected == {png.sha256: "not text: binary content"}  # y.png.txt is rejected the same way
    again = normalize_files([RawFile("copy.txt", good.data, good.sha256), RawFile("y.png.txt", PNG, png.sha256)], "r2",
                            seen={**state.articles, **{h: "" for h in state.rejected}}, rejected=state.rejected)
    assert [(s.source_path, s.outcome, s.article_id) for s in again.source_files] == [
        ("copy.txt", "duplicate", good.sha256[:16]), ("y.png.txt", "rejected", None)]
    assert [r.reason for r in again.rejects] == ["not text: binary content"]
