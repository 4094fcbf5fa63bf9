#!/usr/bin/env python3
"""Builds cptflow's bundled real-text corpora from Debian packages.

    general  Jane Austen's six novels (public domain; Debian r-cran-janeaustenr)
             + the King James Bible (public domain; Debian bible-kjv-text, read with `bible`)
    domain   the Python 3.11 documentation (PSF licence; Debian python3.11-doc, HTML -> text)

Each corpus is written as gzip JSONL ({"id", "text", "url"?} per line), split
deterministically (by a hash of the id) into a training part and a held-out part
that training must never read:

    data/corpora/general.jsonl.gz   data/corpora/general.heldout.jsonl.gz
    data/corpora/domain.jsonl.gz    data/corpora/domain.heldout.jsonl.gz

Requirements (see README.md): `apt-get download` access to Debian, the `bible`
program (`apt-get install bible-kjv`), and the PyPI package `rdata` (reads the
R lazy-load database the Austen texts ship in). Run:

    "$(bash scripts/python-env.sh references)" data/corpora/build.py [--work DIR]

The output is byte-for-byte reproducible for the same package versions
(gzip mtime is fixed at 0, documents are written in source order).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import struct
import subprocess
import tempfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent

PACKAGES = {
    "austen": "r-cran-janeaustenr",
    "kjv": "bible-kjv-text",
    "pydoc": "python3.11-doc",
}

MIN_WORDS = 200      # documents are grouped from paragraphs / sections until at least this long
TARGET_WORDS = 600   # literature passages are cut near this length
MAX_WORDS = 5000     # documentation sections longer than this are split
HELDOUT_PERCENT = 10


def word_count(text: str) -> int:
    return len(text.split())


def fetch_packages(work: Path) -> Path:
    """apt-get download each package and unpack it (no install) under work/root."""
    work.mkdir(parents=True, exist_ok=True)
    root = work / "root"
    for pkg in PACKAGES.values():
        if not list(work.glob(f"{pkg}_*.deb")):
            subprocess.run(["apt-get", "download", pkg], cwd=work, check=True)
        deb = sorted(work.glob(f"{pkg}_*.deb"))[-1]
        subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return root


# ---------------------------------------------------------------- Jane Austen

AUSTEN_TITLES = {
    "sensesensibility": "Sense and Sensibility",
    "prideprejudice": "Pride and Prejudice",
    "mansfieldpark": "Mansfield Park",
    "emma": "Emma",
    "northangerabbey": "Northanger Abbey",
    "persuasion": "Persuasion",
}
CHAPTER_RE = re.compile(r"^(chapter|CHAPTER)\s+[0-9IVXLC]+\.?$")


def read_austen_lines(root: Path) -> dict[str, list[str]]:
    """The novels are character vectors (one element per printed line) in an R lazy-load DB.

    Rdata.rdx indexes Rdata.rdb: each object is a 4-byte big-endian length followed by a
    zlib stream holding R's serialization format, which `rdata` parses.
    """
    import rdata

    base = root / "usr/lib/R/site-library/janeaustenr/data/Rdata"
    index = rdata.conversion.convert(rdata.parser.parse_file(str(base) + ".rdx"))
    blob = (Path(str(base) + ".rdb")).read_bytes()
    novels = {}
    for name in AUSTEN_TITLES:
        offset, length = (int(x) for x in index["variables"][name])
        chunk = blob[offset : offset + length]
        (expected,) = struct.unpack(">I", chunk[:4])
        payload = zlib.decompress(chunk[4:])
        assert len(payload) == expected, name
        novels[name] = [str(x) for x in rdata.conversion.convert(rdata.parser.parse_data(payload))]
    return novels


def austen_documents(root: Path):
    """Passages of ~TARGET_WORDS words cut at paragraph ends, never across chapters.

    Printed lines are unwrapped into one line per paragraph; paragraphs are separated by a
    blank line, as in the book.
    """
    for name, lines in read_austen_lines(root).items():
        chapters: list[list[str]] = []
        paragraph: list[str] = []

        def end_paragraph():
            if paragraph and chapters:
                chapters[-1].append(" ".join(paragraph))
            paragraph.clear()

        for line in lines:
            line = line.strip()
            if CHAPTER_RE.match(line):
                end_paragraph()
                chapters.append([])
            elif not line:
                end_paragraph()
            else:
                paragraph.append(line)
        end_paragraph()

        for ci, paras in enumerate(chapters, start=1):
            passages: list[list[str]] = []
            current: list[str] = []
            for p in paras:
                current.append(p)
                if word_count("\n".join(current)) >= TARGET_WORDS:
                    passages.append(current)
                    current = []
            if current:
                if passages and word_count("\n".join(current)) < MIN_WORDS:
                    passages[-1].extend(current)
                else:
                    passages.append(current)
            for pi, passage in enumerate(passages, start=1):
                yield {
                    "id": f"austen/{name}/ch{ci:02d}/p{pi:02d}",
                    "text": "\n\n".join(passage),
                    "source": f"Jane Austen, {AUSTEN_TITLES[name]}, chapter {ci}",
                }


# ---------------------------------------------------------------- King James Bible

def kjv_documents(root: Path):
    """One document per chapter, one verse per line (verse numbers dropped).

    Chapters shorter than MIN_WORDS are merged with the following chapters of the same book.
    """
    out = subprocess.run(
        ["bible", "-p", str(root / "usr/lib"), "-l0", "Gen1:1-Rev22:21"],
        check=True, capture_output=True, text=True,
    ).stdout
    chapters: list[tuple[str, list[str]]] = []
    for line in out.splitlines():
        verse = re.match(r"^\s+\d+ (.*)$", line)
        if verse:
            chapters[-1][1].append(verse.group(1).strip())
        elif line.strip():
            chapters.append((line.strip(), []))

    def book_of(title: str) -> str:
        return title.rsplit(" ", 1)[0]

    pending_title, pending = None, []
    for i, (title, verses) in enumerate(chapters):
        if pending_title is None:
            pending_title = title
        pending.extend(verses)
        nxt = chapters[i + 1][0] if i + 1 < len(chapters) else None
        same_book_follows = nxt is not None and book_of(nxt) == book_of(title)
        if word_count(" ".join(pending)) >= MIN_WORDS or not same_book_follows:
            label = pending_title if pending_title == title else f"{pending_title}-{title.rsplit(' ', 1)[1]}"
            yield {
                "id": "kjv/" + label.replace(" ", "_"),
                "text": "\n".join(pending),
                "source": f"King James Bible, {label}",
            }
            pending_title, pending = None, []


# ---------------------------------------------------------------- Python documentation

BLOCK_TAGS = {"p", "li", "dt", "dd", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "caption",
              "div", "section", "dl", "ul", "ol", "table", "blockquote", "hr", "br"}
SKIP_PAGES = {"genindex.html", "search.html", "py-modindex.html", "contents.html",
              "whatsnew/changelog.html", "license.html", "copyright.html"}


class SphinxText(HTMLParser):
    """Text of a Sphinx page's main body as blocks: ("h2", "Title") / ("text", "...") / ("pre", "...").

    Inline markup collapses to its text, permalinks ("¶") are dropped, code blocks keep their
    line breaks. Sections are remembered by the id of the <section> enclosing each h2.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth_in_main = 0
        self.skip_depth = 0
        self.pre_depth = 0
        self.buf: list[str] = []
        self.blocks: list[tuple[str, str, str]] = []  # (kind, text, section id)
        self.section_ids: list[str] = []
        self.heading: str | None = None

    def flush(self, kind="text"):
        raw = "".join(self.buf)
        self.buf.clear()
        if kind == "pre":
            text = raw.strip("\n")
        else:
            text = re.sub(r"\s+", " ", raw).strip()
        if text:
            sid = self.section_ids[-1] if self.section_ids else ""
            self.blocks.append((kind, text, sid))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.depth_in_main == 0:
            if tag == "div" and a.get("role") == "main":
                self.depth_in_main = 1
            return
        if tag in ("div", "section"):
            self.depth_in_main += 1
        if self.skip_depth:
            if tag == "a" or tag not in ("br", "hr", "img"):
                self.skip_depth += 1
            return
        if tag == "a" and "headerlink" in (a.get("class") or ""):
            self.skip_depth = 1
            return
        if tag in ("script", "style"):
            self.skip_depth = 1
            return
        if tag == "section":
            self.section_ids.append(a.get("id", ""))
        if tag == "pre":
            self.flush()
            self.pre_depth += 1
        elif tag in BLOCK_TAGS:
            self.flush()
            if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                self.heading = tag

    def handle_endtag(self, tag):
        if self.depth_in_main == 0:
            return
        if self.skip_depth:
            self.skip_depth -= 1
            if tag in ("div", "section"):
                self.depth_in_main -= 1
            return
        if tag == "pre":
            self.flush("pre")
            self.pre_depth -= 1
        elif tag in BLOCK_TAGS:
            self.flush(self.heading or "text")
            if tag == self.heading:
                self.heading = None
        if tag == "section" and self.section_ids:
            self.section_ids.pop()
        if tag in ("div", "section"):
            self.depth_in_main -= 1

    def handle_data(self, data):
        if self.depth_in_main and not self.skip_depth:
            self.buf.append(data)


def pydoc_documents(root: Path):
    """One document per top-level (h2) section of each page; the page intro is its own section.

    Sections under MIN_WORDS are merged into the next section of the page (the last one into
    the previous); sections over MAX_WORDS are split at block boundaries. Headings and
    paragraphs are separate lines; code blocks keep their own line breaks.
    """
    html_root = root / "usr/share/doc/python3.11/html"
    for page in sorted(html_root.rglob("*.html")):
        rel = page.relative_to(html_root).as_posix()
        if rel in SKIP_PAGES or rel.startswith(("_", "genindex", "whatsnew/changelog")):
            continue
        parser = SphinxText()
        parser.feed(page.read_text(encoding="utf-8"))
        parser.close()
        # group blocks into sections, a new one at each h2
        sections: list[tuple[str, list[str]]] = []
        for kind, text, sid in parser.blocks:
            if kind == "h2" or not sections:
                sections.append((sid, []))
            sections[-1][1].append(text)
        merged: list[tuple[str, list[str]]] = []
        carry: tuple[str, list[str]] | None = None
        for sid, blocks in sections:
            if carry:
                sid, blocks = carry[0], carry[1] + blocks
                carry = None
            if word_count("\n".join(blocks)) < MIN_WORDS:
                carry = (sid, blocks)
            else:
                merged.append((sid, blocks))
        if carry:
            if merged:
                merged[-1] = (merged[-1][0], merged[-1][1] + carry[1])
            elif word_count("\n".join(carry[1])) >= MIN_WORDS // 2:
                merged.append(carry)
        for sid, blocks in merged:
            parts: list[list[str]] = [[]]
            for b in blocks:
                if parts[-1] and word_count("\n".join(parts[-1] + [b])) > MAX_WORDS:
                    parts.append([])
                parts[-1].append(b)
            for k, part in enumerate(parts):
                suffix = f"/part{k + 1}" if len(parts) > 1 else ""
                anchor = f"#{sid}" if sid else ""
                yield {
                    "id": f"pydoc/{rel[:-5]}{anchor}{suffix}",
                    "text": "\n".join(part),
                    "url": f"https://docs.python.org/3.11/{rel}{anchor}",
                }


# ---------------------------------------------------------------- output

def is_heldout(doc_id: str) -> bool:
    h = int.from_bytes(hashlib.sha256(doc_id.encode()).digest()[:8], "big")
    return h % 100 < HELDOUT_PERCENT


def write_jsonl_gz(path: Path, docs: list[dict]):
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            for d in docs:
                gz.write((json.dumps(d, ensure_ascii=False) + "\n").encode("utf-8"))


def write_corpus(name: str, docs: list[dict], out: Path):
    seen = set()
    for d in docs:
        assert d["id"] not in seen, f"duplicate id {d['id']}"
        seen.add(d["id"])
    train = [d for d in docs if not is_heldout(d["id"])]
    held = [d for d in docs if is_heldout(d["id"])]
    write_jsonl_gz(out / f"{name}.jsonl.gz", train)
    write_jsonl_gz(out / f"{name}.heldout.jsonl.gz", held)
    words = [word_count(d["text"]) for d in docs]
    print(f"{name}: {len(docs)} docs ({len(train)} train, {len(held)} held out), "
          f"{sum(words)} words, min {min(words)} / median {sorted(words)[len(words) // 2]} / max {max(words)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default=Path(tempfile.gettempdir()) / "cptflow-corpora-build", type=Path)
    ap.add_argument("--out", default=HERE, type=Path)
    args = ap.parse_args()
    root = fetch_packages(args.work)
    general = list(austen_documents(root)) + list(kjv_documents(root))
    domain = list(pydoc_documents(root))
    write_corpus("general", general, args.out)
    write_corpus("domain", domain, args.out)


if __name__ == "__main__":
    main()
