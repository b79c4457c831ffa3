"""OPML in and out: the usual way feed readers exchange subscription lists.

Files are read as a stream (ElementTree's iterparse, each outline dropped once read), so a 50 MB
export of 365,000 feeds is read in a few megabytes rather than as a whole tree.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import BinaryIO

from newswatch.errors import UserError


@dataclass(frozen=True)
class Outline:
    url: str
    name: str | None


def iter_opml(stream: BinaryIO, source: str = "OPML file") -> Iterator[Outline]:
    """Every outline with an xmlUrl under <body>, nested categories included, in document order.

    A file that is not OPML raises UserError, possibly after some outlines were read: callers
    write nothing until the whole file has been read (one transaction).
    """
    path: list[ET.Element] = []  # the open elements, root first
    in_body = False
    seen_body = False
    try:
        for event, node in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                if not path and node.tag.lower() != "opml":
                    raise UserError(f"{source} is not OPML (root element is <{node.tag}>, expected <opml>)")
                if len(path) == 1 and node.tag == "body" and not seen_body:
                    in_body = seen_body = True
                elif in_body and node.tag == "outline":
                    url = node.get("xmlUrl") or node.get("xmlurl")
                    if url:
                        name = node.get("title") or node.get("text")
                        yield Outline(url.strip(), name.strip() if name else None)
                path.append(node)
                continue
            path.pop()
            if len(path) == 1 and node.tag == "body":
                in_body = False
            if path:
                del path[-1][-1]  # the element just closed is its parent's last child: drop it
    except ET.ParseError as exc:
        raise UserError(f"{source} is not well-formed XML ({exc})") from None
    if not seen_body:
        raise UserError(f"{source} is not OPML (no <body>)")


def parse_opml(data: bytes, source: str = "OPML file") -> list[Outline]:
    """`iter_opml` over bytes in memory."""
    return list(iter_opml(io.BytesIO(data), source))


def write_opml(feeds: list[Outline], title: str = "newswatch feeds") -> str:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = ET.SubElement(root, "body")
    for feed in feeds:
        label = feed.name or feed.url
        ET.SubElement(body, "outline", type="rss", text=label, title=label, xmlUrl=feed.url)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
