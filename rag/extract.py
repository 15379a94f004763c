"""Text out of files: Markdown, plain text, HTML and PDF, each into (title, text, source).

Markdown and text are read as they are (Markdown headings drive the chunker's sections); HTML
goes through the standard library's tolerant parser, scripts and styles dropped, block
elements turned into line breaks and headings into Markdown headings; PDF through pypdf.
A file may open with a `---` block of `title:` / `source:` lines to name itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

__all__ = ["Extracted", "ExtractionError", "SUPPORTED_SUFFIXES", "extract_bytes", "extract_file"]

SUPPORTED_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".text", ".html", ".htm", ".pdf"})
FRONT_MATTER_RE = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
HEADING_RE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


class ExtractionError(ValueError):
    """The file cannot be turned into text (unsupported type, unreadable, empty)."""


@dataclass(frozen=True, slots=True)
class Extracted:
    title: str
    text: str
    source: str | None = None


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "noscript", "template", "head", "nav", "footer"}
    BLOCK = {"p", "div", "section", "article", "br", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "dd", "dt"}
    HEADINGS = {"h1": "#", "h2": "##", "h3": "###", "h4": "####", "h5": "#####", "h6": "######"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self.SKIP:
            self._skip += 1
        elif tag in self.HEADINGS:
            self.parts.append("\n\n" + self.HEADINGS[tag] + " ")
        elif tag in self.BLOCK:
            self.parts.append("\n\n" if tag == "p" else "\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.HEADINGS or tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = FRONT_MATTER_RE.match(text)
    if not match:
        return {}, text
    fields = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[match.end() :]


def _first_heading(text: str) -> str:
    match = HEADING_RE.search(text)
    return match.group(1).strip() if match else ""


def _pdf_text(data: bytes) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = str(reader.metadata.title or "") if reader.metadata else ""
    except (PdfReadError, ValueError, KeyError) as exc:
        raise ExtractionError(f"cannot read the PDF: {exc}") from exc
    return title, "\n\n".join(pages)


def extract_bytes(data: bytes, filename: str) -> Extracted:
    """Extract from raw bytes named `filename` (its suffix picks the parser)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise ExtractionError(f"{filename}: unsupported file type {suffix or '(none)'}; supported: {supported}")
    if suffix == ".pdf":
        title, text = _pdf_text(data)
        fields: dict[str, str] = {}
    else:
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raw = data.decode("latin-1")
        fields, raw = _front_matter(raw)
        if suffix in (".html", ".htm"):
            parser = _HTMLText()
            parser.feed(raw)
            parser.close()
            title, text = parser.title.strip(), "".join(parser.parts)
        else:
            title, text = "", raw
    text = _tidy(text)
    if not text:
        raise ExtractionError(f"{filename}: no text found")
    title = fields.get("title") or title or _first_heading(text) or Path(filename).stem.replace("_", " ").replace("-", " ")
    return Extracted(title=title.strip(), text=text, source=fields.get("source") or None)


def extract_file(path: Path) -> Extracted:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"{path}: {exc.strerror or exc}") from exc
    return extract_bytes(data, path.name)
