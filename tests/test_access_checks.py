"""The per-step access checks agree with the one visibility rule."""

from aktenlotse.core.access_checks import FOLDER, ITEM, SHARE, AccessCheck, decide, permissions_of
from aktenlotse.core.visibility import may_read

CHECKS = [
    AccessCheck(SHARE, "", ("group:bauamt", "group:it")),
    AccessCheck(FOLDER, "bau", ("group:bauamt", "user:meier"), deny=("user:praktikant",)),
    AccessCheck(ITEM, "bau/antrag.pdf", ("everyone",)),
]


def test_decision_and_permissions_agree() -> None:
    perms = permissions_of(CHECKS)
    for principals in (
        {"user:mueller", "group:bauamt"},
        {"user:meier", "group:it"},
        {"user:meier"},
        {"user:praktikant", "group:bauamt"},
        {"user:schmidt", "group:it"},
        set(),
    ):
        assert decide(principals, CHECKS).allowed == may_read(principals, perms), principals


def test_the_refusing_check_is_named() -> None:
    refused = decide({"user:meier"}, CHECKS)
    assert not refused.allowed and refused.deciding is CHECKS[0]
    denied = decide({"user:praktikant", "group:bauamt"}, CHECKS)
    assert denied.deciding is CHECKS[1] and "verweigert" in denied.reason
