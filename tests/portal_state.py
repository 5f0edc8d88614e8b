"""A crawl's traces for the portal's admin, review and overview pages, written through the
state database and the Aktenplan store as a crawl and an import write them: the files of
`portal_fixtures.DOCS` as indexed items, one finished run with two error records whose
messages are the raw Tika exception texts a crawl stores, and the sample plan."""

from __future__ import annotations

import time
from pathlib import Path

from aktenlotse.enrich.aktenplan import read_aktenplan
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.stores.statedb import StateDB
from tests.portal_fixtures import DOCS

PLAN_CSV = """code,title,parent,description,keywords
6,Bauen und Wohnen,,Bauwesen,Bau;Wohnen
632,Baugenehmigungen,6,Bauanträge und Baugenehmigungen,Bauantrag;Baugenehmigung
9,Finanzen,,Haushalt und Steuern,Haushalt;Steuer
902,Hundesteuer,9,Hundesteuer,Hundesteuer;Hund
"""
# As Tika reports them (tika_mapping.first_line of the exception text).
TIKA_ERRORS = (
    (
        "Kämmerei/Haushalt gesperrt.pdf",
        "encrypted",
        "org.apache.tika.exception.EncryptedDocumentException: Unable to process: document is encrypted",
    ),
    (
        "Bauamt/Plan kaputt.pdf",
        "corrupt",
        "org.apache.tika.exception.TikaException: Unable to extract PDF content",
    ),
)


def record_crawl(data_dir: Path) -> None:
    """The state of one finished crawl of DOCS (source `daten`) and the current plan."""
    plan_file = data_dir / "aktenplan.csv"
    plan_file.write_text(PLAN_CSV, encoding="utf-8")
    with AktenplanStore(data_dir) as store:
        store.save(read_aktenplan(plan_file), plan_file.name)
    state = StateDB(data_dir / "state.sqlite")
    try:
        run = state.start_run(["daten"])
        now = time.time()
        for i, (path, _title, _text, allow) in enumerate(DOCS):
            item_id = f"d{i}"
            state.add_pending(item_id, "daten", path, 1234 * (i + 1), now, now, None)
            state.mark_indexed(
                item_id,
                size=1234 * (i + 1),
                mtime=now,
                ctime=now,
                file_id=None,
                content_hash=f"hash{i}",
                allow=allow,
                deny=(),
                children=0,
            )
        for path, kind, message in TIKA_ERRORS:
            state.add_error(run, "daten", path, kind, message)
        state.commit()
        state.finish_run(run, "done", {"new": len(DOCS), "errors": len(TIKA_ERRORS)}, 1.5)
    finally:
        state.close()
