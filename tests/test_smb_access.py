"""The checks on the way to an SMB file, built from descriptors (pure, no server)."""

from aktenlotse.core.access_checks import FOLDER, SHARE, decide, permissions_of
from aktenlotse.core.visibility import NOBODY
from aktenlotse.crawler.nt_acl import Ace, encode_descriptor
from aktenlotse.crawler.smb_access import folder_check, item_check, share_check, start

DOM = "S-1-5-21-1-2-3"
READ = 0x001200A9
FILES_ONLY = 0x09


def sd(*aces):
    return encode_descriptor(f"{DOM}-500", None, list(aces))


def test_a_folder_that_passes_rights_to_files_only_lets_nobody_through():
    check = folder_check("Akten", sd(Ace(0, FILES_ONLY, READ, f"{DOM}-513")))
    assert check.kind == FOLDER and check.allow == ()
    assert folder_check("Akten", sd(Ace(0, 0, 0x20, f"{DOM}-513"))).allow == (f"sid:{DOM}-513",)


def test_chain_gives_require_clauses_and_all_denies():
    share = sd(Ace(0, 0, READ, f"{DOM}-1102"))
    folder = sd(Ace(0, 0, READ, f"{DOM}-513"), Ace(1, 0, 0x20, f"{DOM}-1104"))
    checks = start(share_check(share), share).below(folder_check("", folder), folder)
    item = item_check("a.txt", sd(Ace(0, 0, READ, f"{DOM}-513")))
    perms = permissions_of([*checks.checks, item])
    assert perms.clauses == ((f"sid:{DOM}-1102",), (f"sid:{DOM}-513",)) and perms.deny == (f"sid:{DOM}-1104",)
    assert checks.require() == ((f"sid:{DOM}-1102",), (f"sid:{DOM}-513",))
    refused = decide([f"sid:{DOM}-513"], [*checks.checks, item])
    assert not refused.allowed and refused.deciding.kind == SHARE


def test_key_changes_with_any_descriptor_on_the_way():
    share, folder = sd(Ace(0, 0, READ, "S-1-1-0")), sd(Ace(0, 0, READ, f"{DOM}-513"))
    changed = sd(Ace(0, 0, READ, f"{DOM}-514"))
    key = start(share_check(share), share).below(folder_check("", folder), folder).key
    assert key == start(share_check(share), share).below(folder_check("", folder), folder).key
    assert key != start(share_check(share), share).below(folder_check("", changed), changed).key
    assert key != start(share_check(changed), changed).below(folder_check("", folder), folder).key


def test_a_share_answer_without_descriptor_lets_nobody_in():
    check = share_check(b"")
    assert check.allow == () and check.entries
    assert permissions_of([check, item_check("a", sd(Ace(0, 0, READ, "S-1-1-0")))]) == NOBODY
