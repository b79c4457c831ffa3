"""OPML in and out: the usual way feed readers exchange subscription lists."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from newswatch.errors import UserError


@dataclass(frozen=True)
class Outline:
    url: str
    name: str | None


def parse_opml(data: bytes, source: str = "OPML file") -> list[Outline]:
    """Every outline with an xmlUrl, nested categories included, in document order."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise UserError(f"{source} is not well-formed XML ({exc})") from None
    if root.tag.lower() != "opml":
        raise UserError(f"{source} is not OPML (root element is <{root.tag}>, expected <opml>)")
    body = root.find("body")
    if body is None:
        raise UserError(f"{source} is not OPML (no <body>)")
    outlines = []
    for node in body.iter("outline"):
        url = node.get("xmlUrl") or node.get("xmlurl")
        if not url:
            continue
        name = node.get("title") or node.get("text")
        outlines.append(Outline(url.strip(), name.strip() if name else None))
    return outlines


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
