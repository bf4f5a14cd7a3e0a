"""Loading files into Documents: every supported type, and every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragassist.documents.load import discover, load_document
from ragassist.errors import InputError, LoadError


def load(path: Path):
    return load_document(path, path.read_bytes())


def test_markdown_sections_carry_the_heading_path(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_text(
        "# Guide\n\nIntro.\n\n## Install\n\nRun make.\n\n### Linux\n\nUse apt.\n\n## Use\n\nAsk.\n"
    )
    doc = load(p)
    assert doc.title == "Guide"
    assert doc.location_at(doc.text.index("Run make")) == "Guide > Install"
    assert doc.location_at(doc.text.index("Use apt")) == "Guide > Install > Linux"
    assert doc.location_at(doc.text.index("Ask.")) == "Guide > Use"


def test_html_is_parsed_not_regexed(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    p.write_text(
        "<html><head><title>Cats</title><style>p{color:red}</style></head><body>"
        "<h1>About cats</h1><p>Cats sleep <b>16 hours</b> a day.</p>"
        "<script>alert('x')</script><h2>Food</h2><p>Fish &amp; meat.</p></body></html>"
    )
    doc = load(p)
    assert doc.title == "Cats"
    assert "Cats sleep 16 hours a day." in " ".join(doc.text.split())
    assert "Fish & meat." in doc.text
    assert "alert" not in doc.text and "color:red" not in doc.text
    assert doc.location_at(doc.text.index("Fish")) == "About cats > Food"


def test_pdf_pages_become_sections(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    p = tmp_path / "doc.pdf"
    c = canvas.Canvas(str(p))
    c.drawString(72, 720, "The first page talks about apples.")
    c.showPage()
    c.drawString(72, 720, "The second page talks about pears.")
    c.save()
    doc = load(p)
    assert "apples" in doc.text and "pears" in doc.text
    assert doc.location_at(doc.text.index("pears")) == "page 2"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bin.txt", b"\x00\x01\x02binary", "binary"),
        ("empty.md", b"", "no text"),
        ("blank.txt", b"  \n\n ", "no text"),
        ("latin.txt", "caf\u00e9".encode("latin-1"), "not UTF-8"),
        ("bad.pdf", b"%PDF-1.4 not really a pdf", "PDF"),
    ],
)
def test_bad_files_raise_a_load_error_naming_the_file(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(LoadError) as info:
        load(p)
    assert str(p) in str(info.value) and reason in info.value.reason


def test_discover_walks_folders_skips_hidden_and_names_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.md").write_text("a")
    (tmp_path / "sub" / "b.txt").write_text("b")
    (tmp_path / ".git" / "c.md").write_text("c")
    (tmp_path / "d.png").write_bytes(b"\x89PNG")
    found = discover([tmp_path])
    assert [p.name for p in found.files] == ["a.md", "b.txt"]
    assert found.ignored and found.ignored[0][0].endswith("d.png")
    with pytest.raises(InputError, match="no-such-folder"):
        discover([tmp_path / "no-such-folder"])
