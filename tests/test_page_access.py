"""Which restricted page a role may open, and what a link to one says otherwise."""

from aktenlotse.portal.login_gate import PAGE_PATHS
from aktenlotse.portal.page_access import RESTRICTED_PAGES
from aktenlotse.services.review import can_review
from aktenlotse.services.wiki import can_edit


def test_every_restricted_page_has_an_address_the_login_gate_knows():
    assert {page.url_path for page in RESTRICTED_PAGES} <= set(PAGE_PATHS)


def test_the_roles_that_may_open_a_page_are_those_the_portal_shows_it_to():
    for roles in ((), ("employee",), ("digitallotse",), ("ag_dms",), ("admin",), ("employee", "ag_dms")):
        opened = {page.url_path for page in RESTRICTED_PAGES if page.may_open(roles)}
        expected = {"pruefung", "uebersicht", "berechtigungen", "aktenplan-pflege"} if can_review(roles) else set()
        if can_edit(roles):
            expected.add("suchanalyse")
        if "admin" in roles:
            expected.add("verwaltung")
        assert opened == expected, roles


def test_the_notice_names_who_may_open_the_page():
    notices = {page.url_path: page.notice for page in RESTRICTED_PAGES}
    assert notices["verwaltung"] == "Die Seite »Verwaltung« ist nur für die Administration zugänglich."
    assert notices["suchanalyse"] == (
        "Die Seite »Suchanalyse« ist nur für die Digitallotsen und die Administration zugänglich."
    )
    assert notices["pruefung"] == (
        "Die Seite »Aktenplan-Prüfung« ist nur für die AG DMS und die Administration zugänglich."
    )
