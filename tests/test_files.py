"""dateline/sources/files.py: what makes text markup rather than prose (the rest of its behaviour is
exercised with hostile inputs in test_hostile_inputs.py)."""
import pytest

from dateline.sources.files import decode_bytes, sniff_structured

# Reuters-21578 style copy: tickers and company names in angle brackets, some of them named like
# HTML elements (<B>, <P>, <T>), none ever closed.
REUTERS = (
    "<NOVA> WINS GOVERNMENT OKAY FOR HUSKY <HYO> DEAL\n"
    "CALGARY, Alberta, March 5 -\n\n"
    "Nova, an Alberta corporation, said it received approval to buy shares of Husky Oil Ltd <HYO> from "
    "<Union Faith Canada Holding Ltd>, a unit of <Hutchison Whampoa Ltd>, alongside <B> and <P> and <T>.\n"
    "Reuter\n"
)


def test_ticker_tags_leave_a_wire_story_plain_text():
    assert sniff_structured(REUTERS) is None
    decoded = decode_bytes(REUTERS.encode())
    assert decoded.reject_reason is None and decoded.text.startswith("<NOVA> WINS")


@pytest.mark.parametrize("fragment", [
    "<div><p>Council approves budget</p><p>The council met.</p></div>",
    "<P>Council approves budget</P><P>The council met.</P><BR>",  # old upper-case HTML is still HTML
    '<span class="x">a</span><a href="/y">b</a><br/>',
])
def test_real_html_fragments_are_still_markup(fragment):
    assert sniff_structured(fragment) == "HTML document"


def test_unclosed_element_names_alone_are_not_markup():
    assert sniff_structured("<B> <P> <T> <I> <A> rose on the day") is None


def test_files_of_other_formats_are_discovered_and_rejected_unread(tmp_path):
    from dateline.sources.files import Unreadable, discover_files, read_file

    (tmp_path / "story.txt").write_text("Council approves budget\nMarch 3, 2021\n\nThe council met.\n")
    (tmp_path / "scan.PDF").write_bytes(b"%PDF-1.4")
    (tmp_path / "export.xlsx").write_bytes(b"PK\x03\x04xlsx")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    found = discover_files([tmp_path])
    assert [p.rsplit("/", 1)[1] for p in found] == [".DS_Store", "export.xlsx", "scan.PDF", "story.txt"]
    read = {p.rsplit("/", 1)[1]: read_file(p, max_bytes=1 << 20) for p in found}
    assert not isinstance(read["story.txt"], Unreadable)
    assert {n: (r.reason, r.size) for n, r in read.items() if isinstance(r, Unreadable)} == {
        ".DS_Store": ("unsupported format: no file extension", 8),
        "export.xlsx": ("unsupported format: .xlsx", 8),
        "scan.PDF": ("unsupported format: .pdf", 8),
    }
