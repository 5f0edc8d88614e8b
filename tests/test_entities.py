from aktenlotse.enrich.entities import find_entities, iban_valid
from aktenlotse.enrich.sensitive import sensitive_flags

TEXT = """Az.: 20 14 03 Bauantrag 632.10-2023/145 nach § 34 BauGB, Art. 5 GG und §§ 3, 4 KAG.
Gebühr 1.842,00 EUR und € 50 am 12.03.2024 bzw. 3. Mai 2023. Flurstück 123/4, Gemarkung Neustadt,
Hauptstraße 12, 01234 Musterstadt. IBAN DE89 3704 0044 0532 0130 00, Tel. 0351 123456, max@stadt.de"""


def _by_label(text):
    out = {}
    for e in find_entities(text):
        out.setdefault(e.label, []).append(e.text)
    return out


def test_municipal_entities():
    found = _by_label(TEXT)
    assert found["AKTENZEICHEN"] == ["Az.: 20 14 03", "632.10-2023/145"]
    assert found["RECHTSNORM"] == ["§ 34 BauGB", "Art. 5 GG", "§§ 3, 4 KAG"]
    assert found["BETRAG"] == ["1.842,00 EUR", "€ 50"]
    assert found["DATUM"] == ["12.03.2024", "3. Mai 2023"]
    assert found["FLURSTUECK"] == ["Flurstück 123/4"]
    assert found["GEMARKUNG"] == ["Gemarkung Neustadt"]
    assert found["ADRESSE"] == ["Hauptstraße 12, 01234 Musterstadt"]
    assert found["IBAN"] == ["DE89 3704 0044 0532 0130 00"]
    assert found["TELEFON"] == ["Tel. 0351 123456"]
    assert found["EMAIL"] == ["max@stadt.de"]


def test_iban_checksum():
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("DE89370400440532013001")
    assert "IBAN" not in _by_label("Konto DE89 3704 0044 0532 0130 01")


def test_sensitive_flags_with_reasons():
    entities = find_entities(
        "Frau Schmidt, geb. 01.02.1960, Diagnose: Diabetes, bezieht Sozialhilfe. IBAN DE89 3704 0044 0532 0130 00"
    )
    assert sensitive_flags(entities) == ["geburtsdatum", "gesundheit", "sozialdaten", "iban"] or set(
        sensitive_flags(entities)
    ) == {"geburtsdatum", "gesundheit", "sozialdaten", "iban"}
    assert sensitive_flags(find_entities("Sitzung am 12.03.2024 im Rathaus")) == []


def test_bad_input_is_harmless():
    assert find_entities("") == []
    assert find_entities("The council met on Monday to discuss the budget.") == []
    huge = "Der Bauantrag wurde am 12.03.2024 gestellt. " * 50_000  # ~2 MB
    found = find_entities(huge)
    assert found and max(e.end for e in found) <= 100_000
