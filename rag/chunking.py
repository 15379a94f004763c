"""Split a document into overlapping passages that each make sense on their own.

Markdown headings start sections and name the chunks in them ("Returns — Refund timing"), so a
passage quoted to the model says what it is about. Inside a section, paragraphs are packed up to
`size` characters; a paragraph too long is cut at sentence ends, a sentence too long at word
ends. Each chunk after the first repeats the last `overlap` characters' worth of whole sentences
of the one before, so an answer that straddles a cut is still found in one piece.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Chunk", "chunk_document"]

HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
LINE_WRAP_RE = re.compile(r"[ \t]*\n[ \t]*(?!(?:[-*+•]|\d+[.)])\s)")
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=\S)")


@dataclass(frozen=True, slots=True)
class Chunk:
    title: str
    text: str


def _sections(title: str, text: str) -> list[tuple[str, str]]:
    sections: list[tuple[str, list[str]]] = [(title, [])]
    for line in text.split("\n"):
        match = HEADING_RE.match(line)
        if match:
            heading = match.group(2).strip()
            name = title if heading.lower() == title.lower() else f"{title} — {heading}" if title else heading
            sections.append((name, []))
        else:
            sections[-1][1].append(line)
    return [(name, "\n".join(lines).strip()) for name, lines in sections if "\n".join(lines).strip()]


def _units(body: str, size: int) -> list[str]:
    """Paragraphs, or sentences/word runs of the ones longer than `size`.

    A unit that continues its paragraph starts with a space, so joining with "\n\n" and then
    collapsing "\n\n " keeps paragraphs apart and sentences together.
    """
    units: list[str] = []
    for paragraph in re.split(r"\n\s*\n", body):
        # Hard-wrapped lines are one line of text; list items stay on lines of their own.
        paragraph = LINE_WRAP_RE.sub(" ", paragraph.strip())
        if not paragraph:
            continue
        if len(paragraph) <= size:
            units.append(paragraph)
            continue
        start = len(units)
        for sentence in SENTENCE_END_RE.split(paragraph):
            if len(sentence) <= size:
                units.append(sentence)
                continue
            words, current = sentence.split(), ""
            for word in words:
                if current and len(current) + 1 + len(word) > size:
                    units.append(current)
                    current = word
                else:
                    current = f"{current} {word}" if current else word
            if current:
                units.append(current)
        units[start + 1 :] = [" " + unit for unit in units[start + 1 :]]
    return units


def _join(units: list[str]) -> str:
    return "\n\n".join(units).replace("\n\n ", " ").strip()


def _tail(units: list[str], overlap: int) -> list[str]:
    """Whole trailing sentences of `units` that fit in `overlap` characters."""
    if overlap <= 0 or not units:
        return []
    sentences = [s for unit in units for s in SENTENCE_END_RE.split(unit.strip())]
    kept: list[str] = []
    total = 0
    for sentence in reversed(sentences):
        if total + len(sentence) > overlap:
            break
        kept.insert(0, sentence)
        total += len(sentence) + 1
    return [" ".join(kept)] if kept else []


def chunk_document(title: str, text: str, *, size: int, overlap: int) -> list[Chunk]:
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError("chunk size must be positive and overlap smaller than it")
    chunks: list[Chunk] = []
    for name, body in _sections(title, text):
        current: list[str] = []
        length = 0
        fresh = 0  # units in `current` that are not overlap carried from the previous chunk
        for unit in _units(body, size):
            if current and length + 2 + len(unit) > size and fresh:
                chunks.append(Chunk(name, _join(current)))
                current = [u for u in _tail(current, overlap) if len(u) + 2 + len(unit) <= size]
                length = sum(len(u) + 2 for u in current)
                fresh = 0
            current.append(unit if current else unit.lstrip())
            length += len(unit) + 2
            fresh += 1
        if fresh:
            chunks.append(Chunk(name, _join(current)))
    return chunks
