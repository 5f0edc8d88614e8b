"""The Aktenplan audit as plain data (`--json`) and as German text lines (the CLI)."""

from __future__ import annotations

from dataclasses import asdict

from aktenlotse.services.aktenplan_audit import Audit
from aktenlotse.text.sizes import human_size


def audit_dict(audit: Audit) -> dict:
    """Every figure of the audit as JSON-ready data."""
    return {
        "documents": audit.documents,
        "classes": [asdict(c) for c in audit.classes],
        "deep": [asdict(d) for d in audit.deep],
        "empty": list(audit.empty),
        "overfull": [
            {
                "code": o.code,
                "title": o.title,
                "documents": o.documents,
                "share": round(o.share, 4),
                "topics": [{"keywords": list(t.keywords), "documents": t.documents} for t in o.topics],
            }
            for o in audit.overfull
        ],
        "confusions": [asdict(p) for p in audit.confusions],
        "confusion_source": audit.confusion_source,
        "model_confusions": [asdict(p) for p in audit.model_confusions],
        "model_confusion_source": audit.model_confusion_source,
        "unknown_codes": dict(audit.unknown_codes),
    }


def audit_lines(audit: Audit) -> list[str]:
    """The audit in German, section by section."""
    lines = [f"Dokumente: {audit.documents}", "", "Klassen (entschieden / vorgeschlagen):"]
    for c in audit.classes:
        if c.decided or c.suggested:
            lines.append(
                f"{'  ' * (c.level - 1)}{c.code} {c.title}: {c.decided} entschieden in {c.decided_folders} Ordnern "
                f"({human_size(c.decided_bytes)}), {c.suggested} vorgeschlagen ({human_size(c.suggested_bytes)})"
            )
    lines += ["", "Tiefer als Ebene 3 (Vorschlag: einfalten):"]
    for d in audit.deep or ():
        lines.append(
            f"  {d.code} {d.title} → {d.target}: {d.decided} entschiedene Dokumente würden umziehen, "
            f"{d.suggested} vorgeschlagen (aktenlotse aktenplan fold {d.code} --reviewer NAME)"
        )
        lines += [f"    {p}" for p in d.documents]
        if d.decided > len(d.documents):
            lines.append(f"    … und {d.decided - len(d.documents)} weitere")
    if not audit.deep:
        lines.append("  keine")
    lines += ["", f"Leere Klassen (nichts entschieden oder vorgeschlagen): {len(audit.empty)}"]
    if audit.empty:
        lines.append("  " + ", ".join(audit.empty))
    lines += ["", "Überfüllte Klassen (Kandidaten zum Teilen):"]
    for o in audit.overfull:
        lines.append(f"  {o.code} {o.title}: {o.documents} Dokumente ({o.share:.0%} aller)")
        lines += [f"    Unterthema {', '.join(t.keywords)}: {t.documents} Dokumente" for t in o.topics]
    if not audit.overfull:
        lines.append("  keine")
    lines += ["", f"Oft verwechselt (Quelle: {audit.confusion_source}):"]
    lines += [f"  {p.first} ↔ {p.second}: {p.count}-mal" for p in audit.confusions] or ["  keine"]
    lines += ["", f"Vom Modell verwechselt (Quelle: {audit.model_confusion_source}):"]
    lines += [f"  {p.first} ↔ {p.second}: {p.count}-mal" for p in audit.model_confusions] or [
        "  keine (oder noch kein Training: aktenlotse review train)"
    ]
    if audit.unknown_codes:
        lines += ["", "Entscheidungen für Klassen, die der Aktenplan nicht mehr hat (nicht verloren, bitte prüfen):"]
        lines += [f"  {code}: {n}" for code, n in audit.unknown_codes.items()]
    return lines
