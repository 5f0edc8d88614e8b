"""Zero leaks with NT ACLs: users of a real Samba AD domain × documents on two SMB shares,
crawled over SMB by the real crawler and Tika, searched and downloaded through the
portal's services with the principals the AD login resolves (objectSid + tokenGroups).

The ground truth is what each user can open and read over SMB with their OWN credentials
(tests/smb_truth.py), asked of Samba after every change, never the crawler's view. The
portal must show a subset of it (zero leaks); what it shows less (misses) is reported and
must be explained by a rule that is stricter than Samba on purpose.

What Samba was found to enforce (and the share is built to exercise): the share ACL at tree
connect (`sharesec`); FILE_TRAVERSE on the share root and on every folder on the path (a
folder that passes its rights on to files only, OI|IO, stops the files below); the file's
DACL with its deny entries. It does NOT enforce a deny of traverse on a folder (the folder
check runs on the POSIX ACL Samba derives, which has no deny): the portal hides those
files anyway (deny wins), a miss by design.
"""

from __future__ import annotations

import pytest

from aktenlotse.crawler.smb_source import SmbSource
from aktenlotse.identity.directory import LdapDirectory
from aktenlotse.services.documents import DownloadDenied, open_download
from aktenlotse.services.permissions_report import build_report
from aktenlotse.stores.statedb import StateDB
from tests.samba_dc import FULL, OICI, READ, SECOND_SHARE, SERVICE_USER, USERS, ShareAdmin
from tests.samba_matrix import (
    FILES_ONLY,
    FOLDERS,
    MATRIX_USERS,
    SECOND_FOLDER,
    STRICTER_BY_DESIGN,
    base_aces,
    compare,
    env_auth,
    in_folder,
    leak_matrix,
    truth,
    visible,
)
from tests.smb_truth import listable_folders

pytestmark = [pytest.mark.samba, pytest.mark.tika_server]


@pytest.fixture(scope="module")
def matrix(samba_dc, tika_server, tmp_path_factory):
    with leak_matrix(samba_dc, tika_server, tmp_path_factory.mktemp("smb-matrix")) as built:
        yield built


def test_ad_login_resolves_sids_with_nesting(matrix, samba_dc):
    _, _, users, _, _ = matrix
    krause = set(users["krause"].principals)
    assert f"sid:{samba_dc.sid('krause')}" in krause
    for group in ("bauamt-leitung", "bauamt", "fachaemter"):  # nested two levels
        assert f"sid:{samba_dc.sid(group)}" in krause, group
    assert f"sid:{samba_dc.sid('kaemmerei')}" not in krause
    domain_users = "sid:" + samba_dc.sid("Administrator").rsplit("-", 1)[0] + "-513"
    assert all(domain_users in u.principals for u in users.values())  # primary group via tokenGroups


def test_ground_truth_is_what_samba_enforces(matrix, samba_dc):
    """The truth itself, asked of Samba: the cases below really restrict (otherwise the
    matrix would test nothing)."""
    _, files, _, _, _ = matrix
    real = truth(samba_dc, files)
    everyone = set.intersection(*real.values())
    assert in_folder(files, "Allgemein") <= everyone and in_folder(files, "Domaene") <= everyone
    assert not any(in_folder(files, "Nurdateien") & r for r in real.values())  # no traverse: stopped
    assert in_folder(files, "Durchgang") <= everyone  # traverse without listing: passes
    second = in_folder(files, SECOND_FOLDER)
    assert {u for u, r in real.items() if second <= r} == {"mueller", "krause"}  # share ACL: bauamt only
    assert not (in_folder(files, "Projekte") & real["schmidt"]) and in_folder(files, "Projekte") <= real["yilmaz"]
    assert not (in_folder(files, "Sperre") & real["schmidt"]) and in_folder(files, "Sperre") <= real["weber"]
    assert in_folder(files, "Durchgangssperre") <= real["schmidt"]  # Samba ignores a traverse deny
    assert len({frozenset(r) for r in real.values()}) >= 5


def test_permissions_report_matches_what_each_user_can_list(matrix, samba_dc):
    """The Berechtigungsbericht over both shares, every user × folder cell against the folders
    each user can open and list over SMB with their own password, read at the same moment."""
    env, _, _, config, _ = matrix
    directory = LdapDirectory(env_auth(samba_dc))
    state = StateDB(env.data / "state.sqlite")
    try:
        report = build_report(config, directory, state, depth=1)
    finally:
        state.close()
    shares = {"daten": samba_dc.share, "freigabe": SECOND_SHARE}
    rows = {(f.source, f.path): f for f in report.folders}
    assert {(s, p) for s, p in rows if s == "daten"} == {("daten", ""), *(("daten", folder) for folder in FOLDERS)}
    for source, share in shares.items():
        folders = [path for s, path in rows if s == source]
        for user in MATRIX_USERS:
            real = listable_folders(samba_dc.host, share, user, USERS[user][2], folders)
            shown = {path for path in folders if user in rows[(source, path)].users}
            assert shown == real, (source, user, shown ^ real)
    # The share root lets only authenticated users through, so the Everyone ACE of "Alle"
    # opens it to every logged-in user, not to the world.
    everybody = ("Authentifizierte Benutzer", "Domänen-Benutzer")
    assert rows[("daten", "Alle")].open_to == everybody
    assert rows[("daten", "Allgemein")].open_to == everybody
    assert "Domänen-Benutzer" in rows[("daten", "Domaene")].open_to
    # Of the matrix users only krause reads "Leitung" (the domain's administrators read it too).
    assert set(rows[("daten", "Leitung")].users) & set(MATRIX_USERS) == {"krause"}
    assert all(rows[("daten", folder)].inherits is False for folder in FOLDERS)  # every one set protected
    assert "bauamt" in rows[("daten", "Bauamt")].granting_groups


@pytest.mark.parametrize("mode", ["fulltext", "semantic", "hybrid"])
def test_samba_leak_matrix_search(matrix, samba_dc, mode):
    _, files, users, _, backend = matrix
    real = truth(samba_dc, files)
    misses = compare(backend, users, files, real, mode)
    allowed = set().union(*(in_folder(files, f) for f in STRICTER_BY_DESIGN))
    for name, missed in misses.items():
        assert missed <= allowed, (name, mode, sorted(missed - allowed))
    assert misses["schmidt"] == in_folder(files, "Durchgangssperre")  # the one miss, by design


def test_samba_unreadable_descriptor_is_an_error_and_not_indexed(matrix):
    env, _, _, _, _ = matrix
    assert not any("geschuetzt" in d.path for d in env.documents())
    errors = env.errors()
    assert any("geschuetzt" in " ".join(map(str, e)) and "Berechtigungen" in " ".join(map(str, e)) for e in errors)


def test_samba_leak_matrix_downloads(matrix, samba_dc):
    env, files, users, config, backend = matrix
    real = truth(samba_dc, files)
    docs = {d.title: d for d in env.documents()}
    assert docs["sdok00"].display_path.startswith("\\\\rathaus\\daten\\Allgemein\\")
    for name, user in users.items():
        for title, doc in docs.items():
            shown = backend.get(doc.id, list(user.principals)) is not None
            assert not shown or title in real[name], (name, title)
            if shown:
                download = open_download(config, backend, doc.id, user.principals)
                with download.stream as stream:
                    assert stream.read() == f"Sambawort {title} Verwaltungsakte {doc.path.split('/')[0]}".encode()
            else:
                with pytest.raises(DownloadDenied):
                    open_download(config, backend, doc.id, user.principals)


def test_share_acl_change_takes_effect_at_download_and_next_crawl(matrix, samba_dc):
    env, files, users, config, backend = matrix
    second = in_folder(files, SECOND_FOLDER)
    doc = next(d for d in env.documents() if d.title in second)
    try:
        # Now the share admits kaemmerei instead of bauamt.
        samba_dc.set_share_acl(
            SECOND_SHARE, f"{samba_dc.sid('kaemmerei')}:ALLOWED/0/READ,{samba_dc.sid(SERVICE_USER)}:ALLOWED/0/READ"
        )
        with pytest.raises(DownloadDenied):  # read live before any crawl
            open_download(config, backend, doc.id, users["mueller"].principals)
        summary = env.crawl()
        assert summary.extracted == 0 and summary.permissions == len(second), summary
        real = truth(samba_dc, files)
        assert second <= real["schmidt"] and not (second & real["mueller"])
        compare(backend, users, files, real)
        _, schmidt = visible(backend, users["schmidt"].principals)
        assert second <= schmidt
    finally:
        samba_dc.set_share_acl(
            SECOND_SHARE,
            f"{samba_dc.sid('bauamt')}:ALLOWED/0/READ,"
            f"{samba_dc.sid(SERVICE_USER)}:ALLOWED/0/READ,S-1-5-32-544:ALLOWED/0/FULL",
        )
        env.crawl()


def test_crawler_locked_out_of_a_folder_hides_it_from_all_until_restored(matrix, samba_dc):
    env, files, users, _, backend = matrix
    locked = in_folder(files, "Ausgesperrt")
    before = len(env.documents())
    admin = ShareAdmin(samba_dc)
    base = base_aces(samba_dc)
    domain_users = admin.domain_sid + "-513"
    try:
        # Re-ACLed so that the service account (a domain user too) may not enter the folder;
        # the files keep their ACLs (users still read them).
        admin.set_acl(
            "Ausgesperrt",
            [base[0], ("A", OICI, READ, domain_users), ("D", 0, FULL, samba_dc.sid(SERVICE_USER))],
            protected=True,
        )
        summary = env.crawl()
        assert summary.deleted == 0, summary
        assert len(env.documents()) == before  # nothing deleted: kept, marked unverified
        real = truth(samba_dc, files)
        assert locked <= real["gast"]  # the truth: users still can
        misses = compare(backend, users, files, real)
        for name in users:
            assert locked <= misses[name]  # hidden from everybody (fail closed)
        admin.set_acl("Ausgesperrt", base + [("A", OICI, READ, domain_users)], protected=True)
        env.crawl()
        _, titles = visible(backend, users["gast"].principals)
        assert locked <= titles  # shown again once verified
    finally:
        admin.set_acl("Ausgesperrt", base + [("A", OICI, READ, domain_users)], protected=True)
        admin.close()
        env.crawl()


def test_folder_acl_change_reaches_the_files_below_without_extraction(matrix, samba_dc):
    """Only the folder's own ACE changes (files keep theirs): with traverse enforced the
    files below are re-resolved because the folder's key changed."""
    env, files, users, _, backend = matrix
    admin = ShareAdmin(samba_dc)
    base = base_aces(samba_dc)
    domain_users = admin.domain_sid + "-513"
    target = in_folder(files, "Domaene")
    try:
        # The folder now passes its rights to files only: users lose traverse on it.
        admin.set_acl("Domaene", base + [("A", FILES_ONLY, READ, domain_users)], protected=True)
        summary = env.crawl()
        assert summary.extracted == 0 and summary.permissions == len(target), summary
        real = truth(samba_dc, files)
        assert not any(target & r for r in real.values())
        compare(backend, users, files, real)
    finally:
        admin.set_acl("Domaene", base + [("A", OICI, READ, domain_users)], protected=True)
        admin.close()
        env.crawl()


def test_samba_inherited_acl_change_reindexes_principals_without_extraction(matrix, samba_dc):
    env, files, users, config, backend = matrix
    admin = ShareAdmin(samba_dc)
    base = base_aces(samba_dc)
    try:
        new_folder_acl = base + [("A", OICI, READ, samba_dc.sid("personal"))]
        admin.set_acl("Wechsel", new_folder_acl, protected=True)
        # Propagate as Windows does: the children's inherited ACEs are rewritten.
        names = [d.path for d in env.documents() if d.path.startswith("Wechsel/")]
        for path in names:
            admin.set_acl(path, [(k, 0x10, m, s) for k, _, m, s in new_folder_acl])
        # The download check sees the change at once (before any crawl).
        doc = next(d for d in env.documents() if d.path.startswith("Wechsel/"))
        with pytest.raises(DownloadDenied):
            open_download(config, backend, doc.id, users["mueller"].principals)
        summary = env.crawl()
        assert summary.extracted == 0 and summary.new == 0, summary
        assert summary.permissions == len(names), summary
        real = truth(samba_dc, files)
        changed = in_folder(files, "Wechsel")
        assert changed <= real["weber"] and not (changed & real["mueller"])
        misses = compare(backend, users, files, real)
        assert not (changed & misses["weber"])
        # A second crawl without changes touches nothing.
        again = env.crawl()
        assert again.extracted == 0 and again.permissions == 0 and again.unchanged >= len(files), again
    finally:
        old = base + [("A", OICI, READ, samba_dc.sid("bauamt"))]
        admin.set_acl("Wechsel", old, protected=True)
        for d in env.documents():
            if d.path.startswith("Wechsel/"):
                admin.set_acl(d.path, [(k, 0x10, m, s) for k, _, m, s in old])
        admin.close()
        env.crawl()


def test_access_checks_read_live_give_the_permissions_the_crawl_stored(matrix):
    from aktenlotse.core.access_checks import FOLDER, ITEM, SHARE, decide, permissions_of
    from aktenlotse.core.visibility import of_item

    env, _, users, _, _ = matrix
    sources = {c.name: SmbSource(c) for c in env.source_configs}
    try:
        documents = env.documents()
        assert documents
        for doc in documents:
            checks = sources[doc.source].access_checks(doc.path)
            assert [c.kind for c in checks[:2]] == [SHARE, FOLDER] and checks[-1].kind == ITEM
            assert len([c for c in checks if c.kind == FOLDER]) == doc.path.count("/") + 1  # share root included
            assert permissions_of(checks) == of_item(doc), doc.path
            assert all(c.entries for c in checks)
        nurdateien = next(d for d in documents if d.path.startswith("Nurdateien/"))
        checks = sources["daten"].access_checks(nurdateien.path)
        decision = decide(users["gast"].principals, checks)
        assert not decision.allowed and decision.deciding.kind == FOLDER and decision.deciding.path == "Nurdateien"
        assert any(
            line.startswith("ohne Wirkung") and "nur für Unterordner/Dateien" in line
            for line in decision.deciding.entries
        )
        assert any(line.startswith("erlaubt  sid:S-1-") and line.endswith("Lesen") for line in checks[-1].entries)
    finally:
        for source in sources.values():
            source.close()
