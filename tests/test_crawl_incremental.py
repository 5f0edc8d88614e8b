"""Incremental crawling against the real Tika server and the embedded index, case by case."""

import os
import shutil
import time

import pytest

from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.demo.filemakers import write_docx, write_eml
from tests.crawl_env import CrawlEnv

pytestmark = pytest.mark.tika_server


@pytest.fixture
def env(tmp_path, tika_server):
    return CrawlEnv(tmp_path, TikaServerExtractor(managed=tika_server))


def seed(env):
    env.write(
        "Bauamt/632 Baugenehmigungen/2023/bauantrag-145.txt",
        "Bauantrag Az. 632.10-2023/145 für ein Einfamilienhaus nach § 34 BauGB.",
    )
    env.write("Kämmerei/Steuern/Hundesteuer/satzung.txt", "Satzung über die Erhebung der Hundesteuer.")
    write_docx(
        env.root / "Hauptamt/Organisation/dienstanweisung.docx",
        "Dienstanweisung Aktenführung",
        ["Die Anträge sind vollständig zu erfassen."],
        author="Hauptamt",
    )
    att = env.root / "tmp-att.docx"
    write_docx(att, "Anlage", ["Lageplan zum Vorhaben am Lindenweg."])
    write_eml(
        env.root / "Bauamt/mail.eml",
        "Nachforderung Unterlagen",
        "Bitte reichen Sie den Lageplan nach.",
        "bauamt@stadt.example",
        "buerger@example.org",
        [("lageplan.docx", att.read_bytes())],
    )
    att.unlink()


def test_new_files_are_indexed_with_attachments(env):
    seed(env)
    summary = env.crawl()
    assert (summary.new, summary.errors, summary.extracted) == (4, 0, 4)
    assert env.search("Hundesteuer") == ["Kämmerei/Steuern/Hundesteuer/satzung.txt"]
    assert env.search("Lindenweg") == ["Bauamt/mail.eml/lageplan.docx"]
    docs = {d.path: d for d in env.documents()}
    assert docs["Bauamt/mail.eml/lageplan.docx"].kind == "attachment"
    assert docs["Hauptamt/Organisation/dienstanweisung.docx"].title == "Dienstanweisung Aktenführung"
    assert (
        docs["Bauamt/632 Baugenehmigungen/2023/bauantrag-145.txt"].display_path
        == "\\\\rathaus\\daten\\Bauamt\\632 Baugenehmigungen\\2023\\bauantrag-145.txt"
    )


def test_unchanged_files_are_not_extracted_again(env):
    seed(env)
    env.crawl()
    before = env.snapshot()
    summary = env.crawl()
    assert (summary.unchanged, summary.new, summary.changed, summary.extracted, summary.deleted) == (4, 0, 0, 0, 0)
    assert env.snapshot() == before


def test_changed_file_is_reextracted(env):
    seed(env)
    env.crawl()
    path = env.write("Kämmerei/Steuern/Hundesteuer/satzung.txt", "Satzung über die Zweitwohnungsteuer, neu gefasst.")
    os.utime(path, (time.time() + 5, time.time() + 5))
    summary = env.crawl()
    assert (summary.changed, summary.extracted, summary.unchanged) == (1, 1, 3)
    assert env.search("Zweitwohnungsteuer") == ["Kämmerei/Steuern/Hundesteuer/satzung.txt"]
    assert env.search("Hundesteuer") == []


def test_touched_file_with_same_content_is_not_reextracted(env):
    seed(env)
    env.crawl()
    path = env.root / "Kämmerei/Steuern/Hundesteuer/satzung.txt"
    os.utime(path, (time.time() + 60, time.time() + 60))
    summary = env.crawl()
    assert (summary.changed, summary.extracted, summary.unchanged) == (0, 0, 4)


def test_moved_file_is_updated_not_reextracted(env):
    seed(env)
    env.crawl()
    (env.root / "Archiv").mkdir()
    shutil.move(env.root / "Bauamt/mail.eml", env.root / "Archiv/mail-2023.eml")
    summary = env.crawl()
    assert (summary.moved, summary.extracted, summary.new, summary.deleted) == (1, 0, 0, 0)
    assert env.search("Lageplan") == ["Archiv/mail-2023.eml", "Archiv/mail-2023.eml/lageplan.docx"] or sorted(
        env.search("Lageplan")
    ) == ["Archiv/mail-2023.eml", "Archiv/mail-2023.eml/lageplan.docx"]
    paths = [d.path for d in env.documents()]
    assert not any(p.startswith("Bauamt/mail.eml") for p in paths)


def test_renamed_folder_moves_all_files(env):
    seed(env)
    env.crawl()
    os.rename(env.root / "Kämmerei", env.root / "Finanzverwaltung")
    summary = env.crawl()
    assert (summary.moved, summary.extracted, summary.deleted) == (1, 0, 0)
    assert env.search("Hundesteuer") == ["Finanzverwaltung/Steuern/Hundesteuer/satzung.txt"]


def test_deleted_file_and_folder_leave_the_index(env):
    seed(env)
    env.crawl()
    (env.root / "Bauamt/632 Baugenehmigungen/2023/bauantrag-145.txt").unlink()
    shutil.rmtree(env.root / "Hauptamt")
    summary = env.crawl()
    assert summary.deleted == 2
    assert env.search("Bauantrag") == []
    assert env.search("Dienstanweisung") == []
    assert sorted(d.path for d in env.documents()) == [
        "Bauamt/mail.eml",
        "Bauamt/mail.eml/lageplan.docx",
        "Kämmerei/Steuern/Hundesteuer/satzung.txt",
    ]
    assert env.state_rows() == {"indexed": 2}


def test_copy_is_a_new_document(env):
    seed(env)
    env.crawl()
    shutil.copy(env.root / "Kämmerei/Steuern/Hundesteuer/satzung.txt", env.root / "satzung-kopie.txt")
    summary = env.crawl()
    assert (summary.new, summary.moved) == (1, 0)
    assert sorted(env.search("Hundesteuer")) == ["Kämmerei/Steuern/Hundesteuer/satzung.txt", "satzung-kopie.txt"]


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_permission_change_reindexes_principals_without_extraction(env):
    env.principal_map = {"group:61001": "group:bauamt"}
    seed(env)
    env.crawl()
    folder = env.root / "Bauamt"
    os.chown(folder, 0, 61001)
    os.chmod(folder, 0o750)
    summary = env.crawl()
    assert summary.extracted == 0
    assert summary.permissions == 2  # both files below Bauamt/
    assert env.search("Lageplan") == []
    assert env.search("Bauantrag") == []
    assert "Bauamt/mail.eml" in env.search("Lageplan", principals=("group:bauamt",))
    assert env.search("Bauantrag", principals=("group:bauamt", "user:root")) == [
        "Bauamt/632 Baugenehmigungen/2023/bauantrag-145.txt"
    ]
