"""The form "Zugriff prüfen" on the admin page, with the real slapd and a local share."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ldap_directory import SERVICE_PASSWORD
from tests.test_access_cli import share, write_config  # noqa: F401  (fixture)

pytestmark = pytest.mark.ldap
HOSTILE = "[Klick](javascript:alert) **fett** x.txt"


def _admin_page(config: str, roles: tuple[str, ...]) -> None:
    from aktenlotse.identity.directory import UserInfo
    from aktenlotse.portal import ui_admin
    from aktenlotse.portal.context import build_context

    ui_admin.render(build_context(config), UserInfo("u", "U", "", "", (), (), frozenset(roles)))


def _ask(config, user: str, path: str) -> AppTest:
    at = AppTest.from_function(_admin_page, args=(str(config), ("employee", "admin")), default_timeout=90).run()
    at.text_input(key="access_user").input(user)
    at.text_input(key="access_path").input(path)
    at.button(key="access_submit").click().run()
    assert not at.exception, at.exception
    return at


def test_admin_form_explains_a_refusal_and_an_allowed_read(share, slapd, monkeypatch):  # noqa: F811
    base, root = share
    monkeypatch.setenv("AKTENLOTSE_LDAP_BIND_PASSWORD", SERVICE_PASSWORD)
    (root / "Allgemein" / HOSTILE).write_text("x", encoding="utf-8")
    config = write_config(base, root, slapd)
    refused = _ask(config, "schmidt", r"\\rathaus\daten\Bauamt\antrag.txt")
    assert [e.value for e in refused.error] == [
        "Lesen verweigert – Ordner „Bauamt“\\: keiner der Prinzipale ist berechtigt\\."
    ]
    table = refused.dataframe[0].value
    above = len(root.parents)  # the folders above the source root, checked by the kernel too
    assert list(table["Ergebnis"]) == ["bestanden"] * (above + 1) + ["nicht bestanden", "bestanden"]
    assert any("group\\:kaemmerei" in m.value for m in refused.markdown)
    allowed = _ask(config, "mueller", f"daten:Allgemein/{HOSTILE}")
    assert allowed.success and not allowed.error
    path_line = next(m.value for m in allowed.markdown if m.value.startswith("**Pfad:**"))
    assert "\\[Klick\\]\\(javascript\\:alert\\) \\*\\*fett\\*\\*" in path_line  # text, never a link
    unknown = _ask(config, "niemand", "daten:Allgemein/info.txt")
    assert "nicht bekannt" in unknown.error[0].value


def test_non_admin_gets_no_form(share, slapd, monkeypatch):  # noqa: F811
    base, root = share
    monkeypatch.setenv("AKTENLOTSE_LDAP_BIND_PASSWORD", SERVICE_PASSWORD)
    config = write_config(base, root, slapd)
    for roles in (("employee",), ("employee", "ag_dms"), ("employee", "digitallotse")):
        at = AppTest.from_function(_admin_page, args=(str(config), roles), default_timeout=90).run()
        assert any("vorbehalten" in e.value for e in at.error)
        assert not [t for t in at.text_input if t.key in ("access_user", "access_path")]
