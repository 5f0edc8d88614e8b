"""The official xdomea 3.0.0 schemas and offline validation of the messages we write.

The XSDs needed for `Abgabe.Abgabe.0401` and `Aktenplan.Aktenplan.0301` ship with the
package (`xsd/`, MIT licence of the xdomea toolkit's copy, see its LICENSE file);
another folder with the same layout (`3.0.0/…`, `xoev/…`) can be named in the config
(`dms.xsd_dir`), e.g. the full set of a newer release. Validation streams: a message
with 200,000 documents is checked element by element, never held as one tree.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, cast

from lxml import etree

from aktenlotse.core.user_errors import UserFacingError

BUNDLED_XSD_DIR = Path(__file__).resolve().parent / "xsd"
MESSAGE_SCHEMAS = {
    "0401": "xdomea-Nachrichten-AbgabeDurchfuehren.xsd",
    "0301": "xdomea-Nachrichten-AktenplanAustauschen.xsd",
}


class SchemaError(UserFacingError):
    """The XSDs cannot be found or compiled; `message` is for the user (German)."""


@lru_cache(maxsize=8)
def load_schema(message_type: str, xsd_dir: Path | None = None) -> etree.XMLSchema:
    """The compiled schema of one message type ("0401" or "0301"), from `xsd_dir` or the bundled copy."""
    root = Path(xsd_dir) if xsd_dir else BUNDLED_XSD_DIR
    path = root / "3.0.0" / MESSAGE_SCHEMAS[message_type]
    if not path.exists():
        raise SchemaError(f"xdomea-Schema nicht gefunden: {path} (Einstellung dms.xsd_dir prüfen)")
    try:
        return etree.XMLSchema(etree.parse(str(path)))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
        raise SchemaError(f"xdomea-Schema {path} lässt sich nicht laden: {error}") from None


def validation_errors(
    xml_file: str | Path | BinaryIO, message_type: str, xsd_dir: Path | None = None, limit: int = 20
) -> list[str]:
    """Schema violations of the message in `xml_file` (path or binary stream); [] when valid.

    Parses incrementally with the schema attached and drops each finished element, so
    memory stays flat however many documents the message holds."""
    schema = load_schema(message_type, xsd_dir)
    try:
        for _event, element in etree.iterparse(xml_file, events=("end",), schema=schema, huge_tree=True):
            element.clear(keep_tail=True)
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        log = [str(e) for e in cast(Iterable[object], error.error_log)][:limit]  # lxml-stubs: not iterable
        return log or [str(error)]
    return []
