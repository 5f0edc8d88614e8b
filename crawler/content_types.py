"""Which formats hold no text at all, so that "no parser" for them is not an error.

On a town's shares about one file in ten is a picture, a recording, a certificate, a CAD
drawing or a program. Tika has no text parser for many of those; reporting each as an
error buries the errors an admin should act on. They stay findable by name either way.
"""

from __future__ import annotations

from aktenlotse.core.records import ExtractionError

# Whole families without text of their own (a scanned page is an image: OCR reads it).
_NO_TEXT_FAMILIES = ("image/", "audio/", "video/", "font/", "model/")
_NO_TEXT_TYPES = frozenset(
    {
        "application/octet-stream",
        # programs and libraries
        "application/x-dosexec",
        "application/x-msdownload",
        "application/x-executable",
        "application/x-sharedlib",
        "application/x-mach-binary",
        "application/java-vm",
        # certificates and keys
        "application/pkix-cert",
        "application/x-x509-cert",
        "application/x-x509-ca-cert",
        "application/pkcs7-signature",
        "application/pkcs7-mime",
        "application/x-pkcs12",
        "application/pkcs10",
        "application/pkix-crl",
        "application/x-java-keystore",
        # databases and disk images
        "application/x-sqlite3",
        "application/x-msaccess",
        "application/x-ms-installer",
        "application/x-iso9660-image",
        "application/x-dbf",
        # CAD and GIS
        "application/acad",
        "application/dwg",
        "application/x-dwg",
        "image/vnd.dwg",
        "application/dxf",
        "image/vnd.dxf",
        "application/x-shapefile",
    }
)


def holds_no_text(content_type: str | None) -> bool:
    """True for formats that carry no text to extract (by MIME type, parameters ignored)."""
    if not content_type:
        return False
    base = content_type.split(";", 1)[0].strip().lower()
    return base in _NO_TEXT_TYPES or base.startswith(_NO_TEXT_FAMILIES)


def no_parser_error(content_type: str | None) -> ExtractionError:
    """The error for a file no parser handles: `no_text` ("kein Text erwartet") for formats
    without text, `unsupported` for the rest (those an admin may want to look at)."""
    shown = (content_type or "unbekannt").split(";", 1)[0].strip()
    if holds_no_text(content_type):
        return ExtractionError("no_text", f"kein Text erwartet ({shown})")
    return ExtractionError("unsupported", f"kein Parser für {shown}")
