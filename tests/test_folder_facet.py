"""The folder facet's counting rule (`search.folder_facet`), shared by every backend."""

import re

from aktenlotse.search.backend_common import FACET_SIZE
from aktenlotse.search.folder_facet import breadcrumb, child_pattern, child_under, folder_children

FOLDERS = [
    "Bauamt/632 Baugenehmigungen/2023",
    "Bauamt/632 Baugenehmigungen/2022",
    "Bauamt/632 Baugenehmigungen",
    "Bauamt/Baumschutz",
    "Bauamt",
    "Bauamtsarchiv/Alt",
    "Kämmerei",
    "",
    None,
]


def test_without_a_choice_the_top_level_folders_are_counted():
    assert folder_children(FOLDERS, None) == [("Bauamt", 5), ("Bauamtsarchiv", 1), ("Kämmerei", 1)]
    assert folder_children(FOLDERS, "") == folder_children(FOLDERS, "/")


def test_a_chosen_folder_offers_its_children_as_full_paths():
    assert folder_children(FOLDERS, "Bauamt") == [("Bauamt/632 Baugenehmigungen", 3), ("Bauamt/Baumschutz", 1)]
    assert folder_children(FOLDERS, "/Bauamt/632 Baugenehmigungen/") == [
        ("Bauamt/632 Baugenehmigungen/2022", 1),
        ("Bauamt/632 Baugenehmigungen/2023", 1),
    ]
    # "Bauamtsarchiv" starts with the same letters but is not below "Bauamt".
    assert child_under("Bauamtsarchiv/Alt", "Bauamt") is None
    assert child_under("Bauamt", "Bauamt") is None  # directly in the folder: under no child
    assert folder_children(FOLDERS, "Bauamt/Baumschutz") == []
    assert folder_children(FOLDERS, "Gibt es nicht") == []


def test_each_count_is_what_the_prefix_filter_of_that_value_finds():
    def under(folder: str | None, prefix: str) -> bool:
        return folder == prefix or (folder or "").startswith(prefix + "/")

    for chosen in (None, "Bauamt", "Bauamt/632 Baugenehmigungen"):
        for value, count in folder_children(FOLDERS, chosen):
            assert count == sum(under(f, value) for f in FOLDERS), (chosen, value)


def test_the_most_frequent_children_come_first_and_are_capped():
    many = [f"Amt/{i:02d}" for i in range(30) for _ in range(i % 3 + 1)]
    counted = folder_children(many, "Amt")
    assert len(counted) == FACET_SIZE
    assert [n for _, n in counted] == sorted((n for _, n in counted), reverse=True)
    assert counted[0] == ("Amt/02", 3)  # equal counts: by name


def _matches(pattern: str, value: str) -> bool:
    # Lucene's escape of a mark is the mark itself, as in Python's regular expressions
    # (the patterns use no Lucene-only syntax), so Python can check what it matches.
    return re.fullmatch(pattern, value) is not None


def test_child_pattern_matches_the_next_level_only():
    assert child_pattern(None) == "[^/]+"
    odd = "Kämmerei (alt)/Plan+[2024]*.\\x"
    pattern = child_pattern("/" + odd + "/")
    assert _matches(pattern, odd + "/Teil 1")
    assert not _matches(pattern, odd)
    assert not _matches(pattern, odd + "/Teil 1/Anlage")
    assert not _matches(pattern, "Kämmerei (alt)/PlanX[2024]*.\\x/Teil 1")
    assert "\\ä" not in pattern and "\\K" not in pattern  # letters are never escaped (\d, \w are classes)


def test_breadcrumb_lists_every_folder_from_the_top():
    assert breadcrumb(None) == []
    assert breadcrumb("/Bauamt/632 Baugenehmigungen/") == ["Bauamt", "Bauamt/632 Baugenehmigungen"]
