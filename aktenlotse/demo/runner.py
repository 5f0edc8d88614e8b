"""`aktenlotse demo`: build a sample town share, crawl it, and show what search does."""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from importlib import resources
from pathlib import Path

import tomli_w

from aktenlotse.core.config import ConfigError, load_config
from aktenlotse.demo.share import build_demo_share
from aktenlotse.identity.demo_directory import DEMO_USERS
from aktenlotse.pipeline import app
from aktenlotse.portal.launch import serve as run_portal
from aktenlotse.search.backend import Query
from aktenlotse.services.search import search
from aktenlotse.stores.aktenplan_store import AktenplanStore, ImportResult

# The file makers of the `demo` extra (XLSX uses openpyxl, a dependency of the product).
DEMO_MODULES = ("docx", "reportlab", "odf")

DEMO_DISPLAY_ROOT = "\\\\rathaus\\daten"


def write_demo_config(demo_dir: Path, share_root: Path, principal_map: dict[str, str]) -> Path:
    config = {
        "data_dir": str((demo_dir / "data").resolve()),
        "sources": [
            {
                "name": "daten",
                "root": str(share_root.resolve()),
                "display_root": DEMO_DISPLAY_ROOT,
                "principal_map": dict(principal_map),
            }
        ],
        "extractor": {"kind": "managed"},
        "auth": {"mode": "demo"},
        "portal": {"host": "127.0.0.1", "port": 8501},
    }
    path = demo_dir / "aktenlotse.toml"
    path.write_bytes(tomli_w.dumps(config).encode("utf-8"))
    return path


def import_sample_aktenplan(data_dir: Path) -> ImportResult:
    """The shipped three-level sample Aktenplan, so the demo shows class suggestions."""
    sample = resources.files("aktenlotse.enrich").joinpath("data/aktenplan_muster.csv")
    with resources.as_file(sample) as path:
        return AktenplanStore(data_dir).import_file(path)


def require_demo_extra() -> None:
    """Refuse with one line when the `demo` extra is not installed (a production install
    from scripts/install.sh has no file makers)."""
    missing = [name for name in DEMO_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            f"Die Demo braucht die Pakete des Extras »demo« ({', '.join(missing)} fehlt): "
            "pip install -e '.[demo]' oder scripts/demo.sh"
        )


def run_demo(demo_dir: Path, serve: bool = True) -> int:
    """Build the demo share under `demo_dir`, crawl it, run the second pass, show sample
    searches and (with `serve`) start the portal. Returns the exit code."""
    require_demo_extra()
    demo_dir.mkdir(parents=True, exist_ok=True)
    share_root = demo_dir / "share"
    print(f"1. Beispiel-Ablage einer Stadtverwaltung wird angelegt: {share_root}")
    share = build_demo_share(share_root)
    for note in share.notes:
        print(f"   Hinweis: {note}")
    config_path = write_demo_config(demo_dir, share_root, share.principal_map)
    config = load_config(config_path)
    print(f"2. Konfiguration: {config_path}")
    plan = import_sample_aktenplan(config.data_dir)
    print(f"   Muster-Aktenplan importiert: {plan.n_classes} Klassen (aktenlotse aktenplan list)")
    print("3. Crawl (Tika-Server startet, Texte werden extrahiert und indexiert) …")
    summary = app.run_crawl(config)
    data = summary.as_dict()
    print(
        f"   Neu {summary.new}, Fehler {summary.errors} (beschädigte/verschlüsselte Dateien), "
        f"{summary.seconds:.1f} s, {data['docs_per_s']} Dok./s"
    )
    second = app.run_second_pass(config)
    embed = second.get("embeddings")
    if embed:
        print(
            f"   Einbettungen für die semantische Suche: {embed['documents']} Dokumente, {embed['chunks']} Abschnitte, "
            f"{embed['seconds']:.1f} s"
        )
    print("4. Beispielsuchen als Mitarbeiterin ohne Sonderrechte ('everyone'):")
    all_groups = ["everyone", *sorted(f"group:{g}" for g in set(share.restricted.values()))]
    for query_text, explanation in share.searches:
        hits = search(config, Query(text=query_text, limit=3), ["everyone"])
        privileged = search(config, Query(text=query_text, limit=1), all_groups).total
        print(f"\n   »{query_text}« — {explanation}")
        print(f"   {hits.total} Treffer (mit allen Fachamtsgruppen: {privileged})")
        for hit in hits.hits:
            print(f"     • {hit.title}\n       {hit.display_path}\n       {_plain(hit.snippet)[:160]}")
    print("\n5. Berechtigungen (Dokumente je Ordner, für 'everyone' und für ein Gruppenmitglied):")
    for folder, group in share.restricted.items():
        probe = Query(text="", folder=folder, limit=1)
        public = search(config, probe, ["everyone"]).total
        member = search(config, probe, ["everyone", f"group:{group}"]).total
        print(f"   {folder}: everyone {public}, group:{group} {member}")
    print(f"\nFehlerliste:  aktenlotse --config {config_path} errors")
    print(f"Eigene Suche: aktenlotse --config {config_path} search 'Bauantrag'")
    print("\nDemo-Anmeldungen für das Portal (Passwort jeweils »demo«):")
    for name, (display, groups, _password) in DEMO_USERS.items():
        print(f"   {name:<8} {display}  [{', '.join(groups) or 'keine Gruppen'}]")
    if not serve:
        print(f"\nPortal starten: aktenlotse --config {config_path} serve")
        return 0
    print()
    return run_portal(config)


def _plain(snippet: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", snippet)).replace("\n", " ")


if __name__ == "__main__":
    sys.exit(run_demo(Path(sys.argv[1] if len(sys.argv) > 1 else "aktenlotse-demo")))
