"""Wekinator's XML files (XStream), read safely: no DOCTYPE, so no entity is ever expanded, and
nothing is fetched (xml.etree never fetches external resources)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from mapper.errors import ProjectError
from mapper.file_kinds import MiB, size_text

XML_LIMIT = 64 * MiB  # a DTW model1.xml holds every take as XML: megabytes; settings: KB


def read_xml(path: Path, limit: int = XML_LIMIT) -> ET.Element:
    """The root of an XML file of at most `limit` bytes; ProjectError naming it if not."""
    if not path.is_file():
        raise ProjectError(f"{path}: not found; is this a Wekinator project folder?")
    try:
        size = path.stat().st_size
        if size > limit:
            raise ProjectError(f"{path}: {size_text(size)}, more than the {size_text(limit)} read")
        content = path.read_text(encoding="utf-8", errors="replace")
        if "<!DOCTYPE" in content or "<!ENTITY" in content:
            raise ProjectError(f"{path}: declares a DOCTYPE or entities; Wekinator never does")
        return ET.fromstring(content)
    except ET.ParseError as e:
        raise ProjectError(f"{path}: not valid XML ({e})") from None
    except OSError as e:
        raise ProjectError(f"{path}: cannot be read: {e}") from e


def text(node: ET.Element, tag: str, path: Path, default: str | None = None) -> str:
    child = node.find(tag)
    if child is None or child.text is None:
        if default is not None:
            return default
        raise ProjectError(f"{path}: missing <{tag}> in <{node.tag}>")
    return child.text.strip()


def number(node: ET.Element, tag: str, path: Path, default: str | None = None) -> float:
    value_text = text(node, tag, path, default)
    try:
        value = float(value_text)
    except ValueError:
        raise ProjectError(f"{path}: <{tag}> is {value_text!r}, not a number") from None
    if not math.isfinite(value):
        raise ProjectError(f"{path}: <{tag}> is {value_text}, not a finite number")
    return value
