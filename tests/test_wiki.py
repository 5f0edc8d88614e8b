"""The wiki: roles, revisions, restore, edit conflicts, safe rendering, search."""

import base64
import re

import pytest
from streamlit.testing.v1 import AppTest

from aktenlotse.search.backend import Query
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.wiki import MAX_IMAGE_BYTES, EditConflict, NotAllowed, WikiError, WikiStore
from aktenlotse.text.markdown_render import render_markdown
from tests.portal_fixtures import build_index, write_config

pytestmark = pytest.mark.wiki
LOTSE = {"employee", "digitallotse"}
EMPLOYEE = {"employee"}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def publish(wiki, title, body, category="Anleitung", author="yilmaz", roles=LOTSE, **kw):
    """A page saved as published by a Digitallotse."""
    return wiki.save(author=author, roles=roles, title=title, body=body, category=category, status="published", **kw)


@pytest.fixture
def wiki(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    store = WikiStore(tmp_path, backend)
    yield store
    store.close()
    backend.close()


def test_only_editors_may_write(wiki):
    with pytest.raises(NotAllowed):
        wiki.save(author="schmidt", roles=EMPLOYEE, title="Hack", body="x", category="FAQ")
    page = wiki.save(author="yilmaz", roles=LOTSE, title="Scannen im DMS", body="So geht's", category="Anleitung")
    with pytest.raises(NotAllowed):
        wiki.save(author="schmidt", roles=EMPLOYEE, title="x", body="y", category="FAQ", slug=page.slug)
    with pytest.raises(NotAllowed):
        wiki.restore(page.slug, 1, author="schmidt", roles=EMPLOYEE)
    with pytest.raises(NotAllowed):
        wiki.add_image("a.png", PNG, author="schmidt", roles=EMPLOYEE)
    admin = wiki.save(author="admin", roles={"employee", "admin"}, title="Glossar", body="DMS: …", category="Glossar")
    assert admin.revision == 1


def test_revisions_diff_and_restore(wiki):
    first = publish(wiki, "Ablage im DMS", "Version eins")
    second = publish(
        wiki, "Ablage im DMS", "Version zwei", author="krause", roles={"digitallotse"}, slug=first.slug, base_revision=1
    )
    assert [r.revision for r in wiki.history(first.slug)] == [2, 1]
    assert [r.author for r in wiki.history(first.slug)] == ["krause", "yilmaz"]
    diff = wiki.diff(first.slug, 1, 2)
    assert "-Version eins" in diff and "+Version zwei" in diff
    restored = wiki.restore(first.slug, 1, author="yilmaz", roles=LOTSE)
    assert restored.revision == 3 and restored.body == "Version eins"
    assert "wiederhergestellt" in restored.comment
    assert wiki.page(first.slug).body == "Version eins"
    assert second.body == "Version zwei"


def test_concurrent_edit_is_detected_not_overwritten(wiki):
    page = wiki.save(author="yilmaz", roles=LOTSE, title="FAQ Scanner", body="A", category="FAQ")

    def edit_first_revision(author, body):
        """A save by `author` of an edit that started from revision 1."""
        return wiki.save(
            author=author, roles=LOTSE, title="FAQ Scanner", body=body, category="FAQ", slug=page.slug, base_revision=1
        )

    edit_first_revision("krause", "B von Krause")
    with pytest.raises(EditConflict) as conflict:
        edit_first_revision("yilmaz", "C von Yilmaz")
    assert conflict.value.current.author == "krause"
    assert "+C von Yilmaz" in conflict.value.diff
    assert wiki.page(page.slug, include_drafts=True).body == "B von Krause"


def test_bad_input(wiki):
    with pytest.raises(WikiError, match="Titel"):
        wiki.save(author="y", roles=LOTSE, title="   ", body="x", category="FAQ")
    with pytest.raises(WikiError, match="zu groß"):
        wiki.add_image("riesig.png", PNG + b"\0" * MAX_IMAGE_BYTES, author="y", roles=LOTSE)
    with pytest.raises(WikiError, match="PNG"):
        wiki.add_image("skript.svg", b"<svg onload=alert(1)>", author="y", roles=LOTSE)
    with pytest.raises(WikiError):
        wiki.save(author="y", roles=LOTSE, title="x", body="x", category="Unbekannt")


def test_markdown_is_rendered_without_script(wiki):
    image_id = wiki.add_image("logo.png", PNG, author="y", roles=LOTSE)
    html = render_markdown(
        "<script>alert('x')</script>\n\n[klick](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n"
        f"<iframe src=https://evil.example></iframe> **fett** ![Logo](wiki-image:{image_id})",
        wiki.image,
    )
    assert "<script" not in html and "<iframe" not in html
    assert not re.search(r"<[^>]*onerror", html)  # only as escaped text, never as an attribute
    assert 'href="javascript' not in html
    assert "<strong>fett</strong>" in html
    assert 'src="data:image/png;base64,' in html


def test_published_pages_are_found_by_search_for_logged_in_users_only(wiki):
    publish(wiki, "DMS-Newsletter März", "Die Schulungen zum Posteingang beginnen.", category="DMS-News")
    draft = wiki.save(
        author="yilmaz", roles=LOTSE, title="Entwurf Posteingang", body="Posteingang Entwurf", category="Anleitung"
    )
    hits = wiki.backend.search(Query(text="Posteingang"), ["everyone", "authenticated", "user:schmidt"])
    assert [h.title for h in hits.hits] == ["DMS-Newsletter März"]
    assert hits.hits[0].kind == "wiki"
    assert wiki.backend.search(Query(text="Posteingang"), ["everyone"]).total == 0
    publish(wiki, "Entwurf Posteingang", "Posteingang fertig", slug=draft.slug, base_revision=1)
    assert wiki.backend.search(Query(text="Posteingang"), ["authenticated"]).total == 2
    assert [n.title for n in wiki.news()] == ["DMS-Newsletter März"]


def _wiki_page_script(username: str, roles: tuple[str, ...]) -> None:
    from aktenlotse.identity.directory import UserInfo
    from aktenlotse.portal import ui_wiki
    from aktenlotse.portal.context import build_context

    user = UserInfo(username, username, "", "", (), (), frozenset(roles))
    ui_wiki.render(build_context(), user)


def test_wiki_page_offers_editing_only_to_editors(tmp_path, monkeypatch):
    build_index(tmp_path / "data")
    monkeypatch.setenv("AKTENLOTSE_CONFIG", str(write_config(tmp_path, None, mode="demo")))
    employee = AppTest.from_function(_wiki_page_script, args=("schmidt", ("employee",)), default_timeout=90).run()
    assert not employee.exception
    assert "wiki_title_new" not in [t.key for t in employee.text_input]
    lotse = AppTest.from_function(
        _wiki_page_script, args=("yilmaz", ("employee", "digitallotse")), default_timeout=90
    ).run()
    assert not lotse.exception
    lotse.text_input(key="wiki_title_new").input("Scan-Anleitung")
    lotse.text_area(key="wiki_body_new").input("Erst **scannen**, dann <script>alert(1)</script> ablegen.")
    lotse.radio(key="wiki_status_new").set_value("published")
    lotse.button(key="FormSubmitter:wiki_edit_new-Speichern").click().run()
    assert [s.value for s in lotse.success] and not lotse.error
    reader = AppTest.from_function(_wiki_page_script, args=("schmidt", ("employee",)), default_timeout=90).run()
    rendered = [m.value for m in reader.markdown]
    assert any("<strong>scannen</strong>" in m for m in rendered)
    assert not any("<script>" in m for m in rendered)


def test_wiki_link_opens_its_page_and_a_bad_link_says_so(tmp_path, monkeypatch):
    """/wissen?seite=<slug> shows that page (not the newest); the address bar follows the
    page shown; an unknown slug or a draft for a reader gets a German notice, not an error."""
    build_index(tmp_path / "data")
    monkeypatch.setenv("AKTENLOTSE_CONFIG", str(write_config(tmp_path, None, mode="demo")))
    backend = EmbeddedBackend(tmp_path / "data" / "index.sqlite")
    wiki = WikiStore(tmp_path / "data", backend)
    try:
        publish(wiki, "Posteingang", "Jede Eingangspost wird gestempelt.")
        publish(wiki, "Scannen im Bürgerbüro", "Erst scannen, dann ablegen.")  # the newest
        wiki.save(author="yilmaz", roles=LOTSE, title="Geheimer Entwurf", body="noch nicht", category="Anleitung")
    finally:
        wiki.close()
        backend.close()

    def reader(params: dict[str, str]) -> AppTest:
        at = AppTest.from_function(_wiki_page_script, args=("schmidt", ("employee",)), default_timeout=90)
        at.query_params = params
        return at.run()

    linked = reader({"seite": "posteingang"})
    assert not linked.exception and not linked.warning
    assert [h.value for h in linked.header] == ["Posteingang"]
    assert linked.query_params["seite"] == "posteingang"
    plain = reader({})
    assert [h.value for h in plain.header] == ["Scannen im Bürgerbüro"]
    assert plain.query_params["seite"] == "scannen-im-burgerburo"
    for slug in ("gibt-es-nicht", "geheimer-entwurf"):
        bad = reader({"seite": slug})
        assert not bad.exception
        assert [w.value for w in bad.warning] == [
            "Die verlinkte Seite gibt es nicht (mehr), oder sie ist noch nicht veröffentlicht."
        ]
        assert [h.value for h in bad.header] == ["Scannen im Bürgerbüro"]
