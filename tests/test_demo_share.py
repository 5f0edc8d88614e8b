"""The demo share: structure, problem files, permissions and reproducibility."""

from __future__ import annotations

import grp
import os
import stat
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from aktenlotse.demo.share import (
    OPEN_DIR_MODE,
    OPEN_FILE_MODE,
    RESTRICTED_DIR_MODE,
    RESTRICTED_FILE_MODE,
    DemoShare,
    build_demo_share,
)

RUNNING_AS_ROOT = os.geteuid() == 0


@pytest.fixture(scope="module")
def share(tmp_path_factory: pytest.TempPathFactory) -> DemoShare:
    return build_demo_share(tmp_path_factory.mktemp("demo") / "share")


def test_every_recorded_file_exists_and_nothing_else(share: DemoShare) -> None:
    on_disk = sorted(p.relative_to(share.root).as_posix() for p in share.root.rglob("*") if p.is_file())
    assert on_disk == sorted(share.files)
    assert 60 <= len(share.files) <= 100


def test_every_file_type_is_present(share: DemoShare) -> None:
    for suffix in (".docx", ".xlsx", ".pdf", ".odt", ".eml", ".html", ".txt"):
        assert share.files_with_suffix(suffix), suffix


def test_department_folders_exist(share: DemoShare) -> None:
    for folder in (
        "Bauamt/632 Baugenehmigungen/2023",
        "Bauamt/Bauleitplanung",
        "Hauptamt/Personal",
        "Hauptamt/Organisation",
        "Kämmerei/Steuern/Hundesteuer",
        "Kämmerei/Haushalt/2024",
        "Ordnungsamt/Gewerbe",
        "Standesamt",
        "Bürgerbüro",
        "IT/DMS-Einführung",
    ):
        assert (share.root / folder).is_dir(), folder


def test_duplicates_are_byte_identical_in_different_folders(share: DemoShare) -> None:
    assert len(share.duplicates) >= 3
    for original, copy in share.duplicates:
        assert Path(original).parent != Path(copy).parent
        assert (share.root / original).read_bytes() == (share.root / copy).read_bytes()


def test_encrypted_pdf_needs_its_password(share: DemoShare) -> None:
    assert len(share.encrypted) == 1
    path, password = next(iter(share.encrypted.items()))
    reader = PdfReader(share.root / path)
    assert reader.is_encrypted
    assert not reader.decrypt("falsch")
    reader = PdfReader(share.root / path)
    assert reader.decrypt(password)
    assert "Beurteilungen" in reader.pages[0].extract_text()


def test_corrupt_file_cannot_be_parsed(share: DemoShare) -> None:
    import docx

    assert len(share.corrupt) == 1
    path = share.root / share.corrupt[0]
    assert path.suffix == ".docx" and path.stat().st_size > 0
    with pytest.raises(Exception):  # noqa: B017 - python-docx raises several types for a broken package
        docx.Document(str(path))


def test_empty_and_skippable_files(share: DemoShare) -> None:
    assert [(share.root / p).stat().st_size for p in share.empty] == [0]
    names = {Path(p).name for p in share.skip_expected}
    assert names == {"~$Antrag.docx", "Thumbs.db"}
    for p in share.skip_expected:
        assert (share.root / p).stat().st_size > 0


def test_office_files_open_and_carry_german_content(share: DemoShare) -> None:
    import docx
    import openpyxl

    bauantrag = share.root / next(p for p in share.files if "632.10-2023-145 Bauantrag" in p)
    text = "\n".join(p.text for p in docx.Document(str(bauantrag)).paragraphs)
    assert "632.10-2023/145" in text and "§ 34 BauGB" in text
    book = openpyxl.load_workbook(share.root / share.files_with_suffix("Hundesteuer Veranlagung 2024.xlsx")[0])
    assert book.active.max_row > 10
    for odt in share.files_with_suffix(".odt"):
        with zipfile.ZipFile(share.root / odt) as z:
            assert z.namelist()[0] == "mimetype"


def test_mail_carries_an_attachment(share: DemoShare) -> None:
    import email
    from email import policy

    with_attachment = []
    for path in share.files_with_suffix(".eml"):
        msg = email.message_from_bytes((share.root / path).read_bytes(), policy=policy.default)
        with_attachment += [a.get_filename() for a in msg.iter_attachments()]
    assert "Agenda Kick-off DMS.docx" in with_attachment


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_restricted_folders_have_modes_and_groups(share: DemoShare) -> None:
    assert set(share.restricted.values()) >= {"bauamt", "personal", "standesamt"}
    for folder, group in share.restricted.items():
        gid = share.group_ids[group]
        assert share.principal_map[f"group:{gid}"] == f"group:{group}"
        with pytest.raises(KeyError):
            grp.getgrgid(gid)  # must stay unresolved so the principal map is exercised
        top = share.root / folder
        for path in [top, *top.rglob("*")]:
            expected = RESTRICTED_DIR_MODE if path.is_dir() else RESTRICTED_FILE_MODE
            assert _mode(path) == expected, path
            assert not path.stat().st_mode & stat.S_IROTH
            if RUNNING_AS_ROOT:
                assert path.stat().st_gid == gid, path
    if RUNNING_AS_ROOT:
        assert share.groups_applied and not share.notes
    else:
        assert not share.groups_applied and share.notes


def test_open_folders_are_world_readable(share: DemoShare) -> None:
    open_files = [p for p in share.files if not any(p.startswith(f + "/") for f in share.restricted)]
    assert len(open_files) > len(share.files) // 2
    for relative in open_files:
        assert _mode(share.root / relative) == OPEN_FILE_MODE
        assert _mode((share.root / relative).parent) == OPEN_DIR_MODE


def test_demo_searches_are_described(share: DemoShare) -> None:
    queries = [q for q, _ in share.searches]
    for expected in ("Anträge", "Antrag", "632.10-2023/145", "Hundesteuer", "Kaemmerei"):
        assert expected in queries
    assert all(comment for _, comment in share.searches)


def test_two_builds_are_identical(tmp_path: Path, share: DemoShare) -> None:
    again = build_demo_share(tmp_path / "again")
    assert again.files == share.files
    # Mails get a random MIME boundary, the corrupt file is a cut-off zip with the current
    # time inside, and odfpy declares more XML namespaces in every document after the
    # first one of a process: the rest must match byte for byte, and all modification
    # times must match.
    varying = set(share.corrupt) | set(share.files_with_suffix(".eml")) | set(share.files_with_suffix(".odt"))
    for relative in share.files:
        first, second = share.root / relative, again.root / relative
        assert first.stat().st_mtime == second.stat().st_mtime, relative
        assert _mode(first) == _mode(second), relative
        if relative not in varying:
            assert first.read_bytes() == second.read_bytes(), relative
