"""German content of the demo share: the documents of a fictional town administration.

The Stadt Hohenbrück (about 27,000 inhabitants) is invented; all persons, addresses,
Aktenzeichen and figures are made up. `demo_documents` returns every file's content as
plain data; `aktenlotse.demo.share` turns it into real files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

TOWN = "Stadt Hohenbrück"
MAIL_DOMAIN = "stadt-hohenbrueck.example"


@dataclass(frozen=True)
class DemoDocument:
    """One file of the demo share.

    `content` is a list of paragraphs, for `.xlsx` a list of rows, for `.txt` a list of
    lines. `date` (ISO) becomes the file's modification time.
    """

    path: str
    title: str
    content: list
    author: str = ""
    date: str = "2024-01-15"
    encoding: str = "utf-8"


@dataclass(frozen=True)
class DemoMail:
    """One saved e-mail; `attachments` are paths of demo documents whose bytes are attached."""

    path: str
    subject: str
    body: str
    sender: str
    to: str
    date: str
    attachments: tuple[str, ...] = field(default_factory=tuple)


def _mail(local: str) -> str:
    return f"{local}@{MAIL_DOMAIN}"


# Names for generated tables; deliberately ordinary so that nothing points to real people.
_SURNAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
    "Maier",
    "Herrmann",
    "Walter",
    "Yılmaz",
    "Kaya",
]
_FIRST_NAMES = [
    "Anna",
    "Thomas",
    "Sabine",
    "Michael",
    "Petra",
    "Andreas",
    "Julia",
    "Stefan",
    "Katrin",
    "Markus",
    "Claudia",
    "Jürgen",
    "Lena",
    "Tobias",
    "Monika",
    "Ayşe",
]
_STREETS = [
    "Lindenweg",
    "Am Mühlbach",
    "Bahnhofstraße",
    "Kirchgasse",
    "Schillerstraße",
    "Rosenstraße",
    "Industriestraße",
    "Am Sonnenhang",
    "Feldstraße",
    "Gartenweg",
    "Marktplatz",
    "Talstraße",
    "Brunnenstraße",
    "Birkenallee",
    "Hauptstraße",
]
_DOG_BREEDS = [
    "Labrador Retriever",
    "Dackel",
    "Mischling",
    "Schäferhund",
    "Golden Retriever",
    "Jack Russell Terrier",
    "Beagle",
    "Border Collie",
    "Pudel",
    "Rottweiler",
]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)}"


def _address(rng: random.Random) -> str:
    return f"{rng.choice(_STREETS)} {rng.randint(1, 48)}"


# ---------------------------------------------------------------------------------
# Generated tables


def _eingangsbuch(rng: random.Random, year: int, fixed: list[list[object]]) -> list[list[object]]:
    """Register of building applications; `fixed` rows are the ones that exist as files."""
    vorhaben = [
        "Neubau Einfamilienhaus",
        "Anbau Wintergarten",
        "Errichtung Carport",
        "Nutzungsänderung Laden zu Wohnung",
        "Dachgeschossausbau",
        "Neubau Doppelhaus",
        "Errichtung Gartenhaus",
        "Umbau Scheune zu Wohnzwecken",
        "Neubau Lagerhalle",
    ]
    status = ["in Prüfung", "genehmigt", "Unterlagen nachgefordert", "zurückgenommen", "abgelehnt"]
    rows: list[list[object]] = [
        [
            "Aktenzeichen",
            "Eingang",
            "Bauherr/in",
            "Vorhaben",
            "Grundstück",
            "Gemarkung",
            "Flurstück",
            "Rechtsgrundlage",
            "Status",
        ]
    ]
    numbers = sorted(rng.sample(range(1, 190), 22) + [int(str(r[0]).rsplit("/", 1)[1]) for r in fixed])
    fixed_by_number = {int(str(r[0]).rsplit("/", 1)[1]): r for r in fixed}
    for number in numbers:
        if number in fixed_by_number:
            rows.append(fixed_by_number[number])
            continue
        month = min(12, 1 + number * 12 // 190)
        rows.append(
            [
                f"632.10-{year}/{number:03d}",
                f"{rng.randint(1, 28):02d}.{month:02d}.{year}",
                _person(rng),
                rng.choice(vorhaben),
                _address(rng),
                rng.choice(["Hohenbrück", "Aubach", "Niederweiler"]),
                f"{rng.randint(1, 40)}/{rng.randint(1, 250)}",
                rng.choice(["§ 30 BauGB", "§ 34 BauGB", "§ 35 BauGB"]),
                rng.choice(status),
            ]
        )
    return rows


def _hundesteuer_veranlagung(rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = [
        [
            "Kassenzeichen",
            "Halter/in",
            "Anschrift",
            "Hunderasse",
            "Anzahl Hunde",
            "Steuersatz (€)",
            "Jahressteuer (€)",
            "Steuermarke Nr.",
        ]
    ]
    for i in range(40):
        dogs = 1 if rng.random() < 0.85 else 2
        breed = rng.choice(_DOG_BREEDS)
        dangerous = breed == "Rottweiler"
        rate = 600 if dangerous else (90 if dogs == 1 else 120)
        rows.append(
            [
                f"6.1.{rng.randint(10000, 99999)}",
                _person(rng),
                f"{_address(rng)}, 74999 Hohenbrück",
                breed,
                dogs,
                rate,
                rate * dogs if not dangerous else rate,
                f"HB-{2024}-{i + 101:04d}",
            ]
        )
    return rows


def _ergebnishaushalt(rng: random.Random, year: int) -> list[list[object]]:
    positions = [
        ("1", "Steuern und ähnliche Abgaben", 24_800_000),
        ("2", "Zuwendungen und allgemeine Umlagen", 11_300_000),
        ("4", "Öffentlich-rechtliche Leistungsentgelte", 3_950_000),
        ("6", "Privatrechtliche Leistungsentgelte", 610_000),
        ("7", "Kostenerstattungen und Kostenumlagen", 1_240_000),
        ("9", "Zinsen und ähnliche Einzahlungen", 85_000),
        ("11", "Personalaufwendungen", -14_900_000),
        ("13", "Aufwendungen für Sach- und Dienstleistungen", -6_700_000),
        ("14", "Planmäßige Abschreibungen", -3_100_000),
        ("15", "Zinsen und ähnliche Aufwendungen", -420_000),
        ("16", "Transferaufwendungen (u. a. Kreisumlage)", -14_350_000),
        ("17", "Sonstige ordentliche Aufwendungen", -1_980_000),
    ]
    rows: list[list[object]] = [
        [
            "Nr.",
            "Ertrags- und Aufwandsart",
            f"Ergebnis {year - 2}",
            f"Ansatz {year - 1}",
            f"Ansatz {year}",
            f"Planung {year + 1}",
        ]
    ]
    for number, name, base in positions:
        values = [round(base * rng.uniform(0.9, 1.1), -3) for _ in range(4)]
        rows.append([number, name, *values])
    rows.append(["", "Ordentliches Ergebnis", "=SUM(C2:C13)", "=SUM(D2:D13)", "=SUM(E2:E13)", "=SUM(F2:F13)"])
    return rows


def _gewerberegister(rng: random.Random) -> list[list[object]]:
    kinds = [
        ("Gastronomie", "Café mit Backwarenverkauf"),
        ("Handwerk", "Elektroinstallation"),
        ("Handel", "Onlinehandel mit Bekleidung"),
        ("Dienstleistung", "Hausmeisterservice"),
        ("Handwerk", "Malerbetrieb"),
        ("Dienstleistung", "IT-Beratung"),
        ("Handel", "Hofladen, Verkauf eigener Erzeugnisse"),
        ("Gastronomie", "Imbiss"),
    ]
    rows: list[list[object]] = [["Lfd. Nr.", "Art", "Datum", "Betrieb", "Tätigkeit", "Branche", "Betriebsstätte"]]
    for i in range(1, 31):
        branche, taetigkeit = rng.choice(kinds)
        rows.append(
            [
                f"2024-{i:03d}",
                rng.choices(["Anmeldung", "Ummeldung", "Abmeldung"], [6, 2, 2])[0],
                f"{rng.randint(1, 28):02d}.{1 + (i - 1) // 3:02d}.2024",
                f"{rng.choice(_SURNAMES)} {rng.choice(['GmbH', 'e. K.', 'GbR', ''])}".strip(),
                taetigkeit,
                branche,
                _address(rng),
            ]
        )
    return rows


# ---------------------------------------------------------------------------------
# Fixed texts


def _bauamt(rng: random.Random) -> list[DemoDocument]:
    base = "Bauamt/632 Baugenehmigungen"
    fixed_2023 = [
        [
            "632.10-2023/145",
            "14.06.2023",
            "Jana und Felix Brandt",
            "Neubau Einfamilienhaus mit Garage",
            "Lindenweg 12",
            "Hohenbrück",
            "7/112",
            "§ 34 BauGB",
            "genehmigt",
        ],
        [
            "632.10-2023/151",
            "03.07.2023",
            "Helmut Krüger",
            "Anbau Wintergarten",
            "Am Mühlbach 3",
            "Aubach",
            "2/45",
            "§ 34 BauGB",
            "Unterlagen nachgefordert",
        ],
        [
            "632.10-2023/162",
            "21.07.2023",
            "Wohnbau Hohenbrück GmbH",
            "Bauvoranfrage Mehrfamilienhaus",
            "Bahnhofstraße 27",
            "Hohenbrück",
            "1/308",
            "§ 34 BauGB",
            "Bauvorbescheid erteilt",
        ],
    ]
    fixed_2024 = [
        [
            "632.10-2024/012",
            "22.01.2024",
            "Metallbau Richter GmbH",
            "Neubau Gewerbehalle",
            "Industriestraße 9",
            "Hohenbrück",
            "12/77",
            "§ 30 BauGB",
            "in Prüfung",
        ],
        [
            "632.10-2024/027",
            "19.02.2024",
            "Erbengemeinschaft Lange",
            "Abbruch Scheune",
            "Talstraße 40",
            "Niederweiler",
            "3/19",
            "§ 50 LBO",
            "Kenntnisnahme",
        ],
    ]
    return [
        DemoDocument(
            f"{base}/2023/632.10-2023-145 Bauantrag Einfamilienhaus Lindenweg 12.docx",
            "Bauantrag Neubau Einfamilienhaus Lindenweg 12",
            [
                "Aktenzeichen: 632.10-2023/145",
                "Antragsteller: Jana und Felix Brandt, Kastanienallee 4, 74999 Hohenbrück",
                "Bauvorhaben: Neubau eines Einfamilienhauses mit Doppelgarage",
                "Baugrundstück: Lindenweg 12, Gemarkung Hohenbrück, Flurstück 7/112",
                "Eingangsvermerk: Der Bauantrag ist am 14.06.2023 vollständig eingegangen. Die "
                "Bauvorlagen umfassen Lageplan, Bauzeichnungen im Maßstab 1:100, Baubeschreibung, "
                "Berechnung der Wohnfläche und den Standsicherheitsnachweis.",
                "Planungsrechtliche Beurteilung: Das Grundstück liegt innerhalb eines im Zusammenhang "
                "bebauten Ortsteils; ein Bebauungsplan besteht nicht. Das Vorhaben ist daher nach "
                "§ 34 BauGB zu beurteilen. Es fügt sich nach Art und Maß der baulichen Nutzung, der "
                "Bauweise und der überbauten Grundstücksfläche in die Eigenart der näheren Umgebung ein.",
                "Die Erschließung ist gesichert; Wasser und Abwasser werden über die vorhandenen "
                "Leitungen im Lindenweg angeschlossen.",
                "Beteiligung: Die Angrenzer wurden nach § 55 LBO benachrichtigt. Einwendungen wurden "
                "nicht erhoben. Das Einvernehmen der Gemeinde nach § 36 BauGB gilt als erteilt.",
                "Ergebnis: Der Bauantrag ist genehmigungsfähig. Bearbeitung: Frau Wolf, Zimmer 2.14.",
            ],
            author="S. Wolf",
            date="2023-06-19",
        ),
        DemoDocument(
            f"{base}/2023/632.10-2023-145 Baugenehmigung.pdf",
            "Baugenehmigung 632.10-2023/145",
            [
                f"{TOWN} – Bauamt – Untere Bauaufsichtsbehörde",
                "Aktenzeichen 632.10-2023/145 – Hohenbrück, 28.08.2023",
                "Baugenehmigung",
                "Sehr geehrte Frau Brandt, sehr geehrter Herr Brandt,",
                "auf Ihren Antrag vom 14.06.2023 wird Ihnen die Baugenehmigung für den Neubau eines "
                "Einfamilienhauses mit Doppelgarage auf dem Grundstück Lindenweg 12, Flurstück 7/112, "
                "Gemarkung Hohenbrück, nach Maßgabe der beigefügten Bauvorlagen erteilt.",
                "Auflagen: 1. Der Baubeginn ist der Bauaufsichtsbehörde mindestens eine Woche vorher "
                "schriftlich anzuzeigen. 2. Das Niederschlagswasser ist auf dem Grundstück zu versickern. "
                "3. Die Abstandsflächen sind einzuhalten; eine Abweichung wird nicht zugelassen.",
                "Begründung: Das Vorhaben ist nach § 34 BauGB zulässig, es fügt sich in die Eigenart der "
                "näheren Umgebung ein. Öffentlich-rechtliche Vorschriften stehen nicht entgegen.",
                "Gebühren: Für diese Genehmigung wird eine Gebühr von 1.842,00 € festgesetzt.",
                "Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann innerhalb eines Monats nach seiner "
                "Bekanntgabe Klage beim Verwaltungsgericht erhoben werden.",
                "Mit freundlichen Grüßen, im Auftrag Sabine Wolf",
            ],
            author="Bauamt Hohenbrück",
            date="2023-08-28",
        ),
        DemoDocument(
            f"{base}/2023/632.10-2023-151 Bauantrag Anbau Wintergarten Am Mühlbach 3.docx",
            "Bauantrag Anbau Wintergarten Am Mühlbach 3",
            [
                "Aktenzeichen: 632.10-2023/151",
                "Antragsteller: Helmut Krüger, Am Mühlbach 3, 74999 Hohenbrück-Aubach",
                "Vorhaben: Anbau eines beheizten Wintergartens (ca. 18 m²) an der Südseite des Wohnhauses.",
                "Vorprüfung: Der Antrag ist unvollständig. Es fehlen der amtliche Lageplan, die "
                "Berechnung der Abstandsflächen und der Nachweis nach dem Gebäudeenergiegesetz.",
                "Die Unterlagen wurden mit Schreiben vom 12.07.2023 nachgefordert (Frist vier Wochen). "
                "Bis zum Eingang ruht das Verfahren.",
                "Planungsrecht: Innenbereich nach § 34 BauGB; gegen den Anbau bestehen keine grundsätzlichen Bedenken.",
            ],
            author="M. Hartmann",
            date="2023-07-12",
        ),
        DemoDocument(
            f"{base}/2023/632.10-2023-162 Bauvoranfrage Mehrfamilienhaus Bahnhofstraße 27.odt",
            "Bauvoranfrage Mehrfamilienhaus Bahnhofstraße 27",
            [
                "Aktenzeichen: 632.10-2023/162",
                "Antragstellerin: Wohnbau Hohenbrück GmbH",
                "Gegenstand der Voranfrage: Ist auf dem Grundstück Bahnhofstraße 27 ein Mehrfamilienhaus "
                "mit zwölf Wohneinheiten, drei Vollgeschossen und Tiefgarage planungsrechtlich zulässig?",
                "Stellungnahme des Bauamts: Die Umgebungsbebauung entlang der Bahnhofstraße ist "
                "überwiegend dreigeschossig. Ein Mehrfamilienhaus fügt sich nach § 34 Abs. 1 BauGB ein, "
                "wenn die Traufhöhe der Nachbargebäude nicht überschritten wird.",
                "Der Bauausschuss hat die Voranfrage in seiner Sitzung am 08.11.2023 beraten und das "
                "gemeindliche Einvernehmen erteilt.",
                "Hinweis: Für die Tiefgaragenzufahrt ist eine Sondernutzungserlaubnis des Ordnungsamts erforderlich.",
            ],
            author="S. Wolf",
            date="2023-11-10",
        ),
        DemoDocument(
            f"{base}/2023/Eingangsbuch Bauanträge 2023.xlsx",
            "Eingangsbuch Bauanträge 2023",
            _eingangsbuch(rng, 2023, fixed_2023),
            author="Bauamt",
            date="2023-12-29",
        ),
        DemoDocument(
            f"{base}/2024/632.10-2024-012 Bauantrag Gewerbehalle Industriestraße 9.docx",
            "Bauantrag Neubau Gewerbehalle Industriestraße 9",
            [
                "Aktenzeichen: 632.10-2024/012",
                "Bauherrin: Metallbau Richter GmbH, Industriestraße 7, 74999 Hohenbrück",
                "Vorhaben: Neubau einer Produktions- und Lagerhalle (Stahlbau, 1.450 m² Grundfläche) mit Büroanbau.",
                "Planungsrecht: Das Grundstück liegt im Geltungsbereich des Bebauungsplans Nr. 41 "
                "„Gewerbegebiet Nord“. Das Vorhaben entspricht den Festsetzungen (GE, GRZ 0,8, "
                "Wandhöhe max. 12 m) und ist nach § 30 Abs. 1 BauGB zulässig.",
                "Brandschutz: Der Brandschutznachweis ist durch einen Prüfsachverständigen zu bescheinigen. "
                "Die Feuerwehrzufahrt ist im Freiflächenplan darzustellen.",
                "Stellungnahmen angefordert: Tiefbau (Entwässerung), Feuerwehr, Gewerbeaufsicht, Landratsamt (Immissionsschutz).",
            ],
            author="M. Hartmann",
            date="2024-01-29",
        ),
        DemoDocument(
            f"{base}/2024/632.10-2024-027 Abbruchanzeige Scheune Talstraße 40.pdf",
            "Abbruchanzeige Scheune Talstraße 40",
            [
                "Aktenzeichen 632.10-2024/027",
                "Anzeige der Beseitigung einer baulichen Anlage",
                "Die Erbengemeinschaft Lange zeigt den Abbruch der nicht mehr genutzten Scheune auf dem "
                "Grundstück Talstraße 40, Gemarkung Niederweiler, an. Die Scheune ist freistehend und "
                "kein Baudenkmal.",
                "Das Bauamt nimmt die Anzeige zur Kenntnis. Eine Baugenehmigung ist nicht erforderlich. "
                "Asbesthaltige Dachplatten sind fachgerecht zu entsorgen; der Entsorgungsnachweis ist vorzulegen.",
            ],
            author="Bauamt Hohenbrück",
            date="2024-02-26",
        ),
        DemoDocument(
            f"{base}/2024/Eingangsbuch Bauanträge 2024.xlsx",
            "Eingangsbuch Bauanträge 2024",
            _eingangsbuch(rng, 2024, fixed_2024),
            author="Bauamt",
            date="2024-04-05",
        ),
        DemoDocument(
            f"{base}/Vorlagen/Vorlage Anhörung Angrenzer.docx",
            "Vorlage Anhörung der Angrenzer",
            [
                "Aktenzeichen: 632.10-[Jahr]/[Nummer]",
                "Sehr geehrte Damen und Herren,",
                "für das Grundstück [Anschrift] ist ein Bauantrag eingegangen. Als Eigentümer eines "
                "angrenzenden Grundstücks erhalten Sie Gelegenheit, die Bauvorlagen einzusehen und "
                "Einwendungen innerhalb eines Monats schriftlich vorzubringen.",
                "Die Unterlagen können Sie im Bauamt, Zimmer 2.14, während der Öffnungszeiten einsehen.",
                "Mit freundlichen Grüßen, im Auftrag",
            ],
            author="Bauamt",
            date="2021-03-02",
        ),
        DemoDocument(
            f"{base}/Vorlagen/Checkliste Unterlagen Bauantrag.pdf",
            "Checkliste: Welche Unterlagen gehören zum Bauantrag?",
            [
                "Checkliste für Bauherrinnen und Bauherren",
                "1. Antragsformular, von Bauherr und Entwurfsverfasser unterschrieben",
                "2. Amtlicher Lageplan im Maßstab 1:1000 (nicht älter als sechs Monate)",
                "3. Bauzeichnungen: Grundrisse, Schnitte und Ansichten im Maßstab 1:100",
                "4. Baubeschreibung und Berechnung des umbauten Raumes",
                "5. Standsicherheitsnachweis und Nachweis des Wärmeschutzes",
                "6. Entwässerungsplan",
                "7. Bei Vorhaben im Außenbereich (§ 35 BauGB): Darstellung der Erschließung",
                "Unvollständige Anträge verzögern die Bearbeitung. Fragen beantwortet das Bauamt, Telefon 07999 27-214.",
            ],
            author="Bauamt Hohenbrück",
            date="2022-05-10",
        ),
        DemoDocument(
            "Bauamt/Bauleitplanung/Bebauungsplan Nr. 41 Gewerbegebiet Nord - Begründung.pdf",
            "Bebauungsplan Nr. 41 „Gewerbegebiet Nord“ – Begründung",
            [
                "Begründung zum Bebauungsplan Nr. 41 „Gewerbegebiet Nord“",
                "1. Anlass und Ziel der Planung: Ortsansässige Betriebe benötigen Flächen für "
                "Erweiterungen. Mit dem Bebauungsplan schafft die Stadt die planungsrechtlichen "
                "Voraussetzungen für ein Gewerbegebiet (GE) nach § 8 BauNVO.",
                "2. Lage und Geltungsbereich: Das Plangebiet liegt nördlich der Industriestraße und "
                "umfasst rund 9,4 Hektar.",
                "3. Verfahren: Der Aufstellungsbeschluss wurde am 15.03.2019 gefasst. Die frühzeitige "
                "Beteiligung der Öffentlichkeit fand nach § 3 Abs. 1 BauGB statt, die Träger öffentlicher "
                "Belange wurden nach § 4 BauGB beteiligt.",
                "4. Festsetzungen: Grundflächenzahl 0,8; maximale Wandhöhe 12 m; Einzelhandel ist ausgeschlossen.",
                "5. Umweltbericht: Ausgleichsmaßnahmen erfolgen auf den Flurstücken 14/2 und 14/3 (Streuobstwiese).",
            ],
            author="Planungsbüro Sommer",
            date="2020-09-14",
        ),
        DemoDocument(
            "Bauamt/Bauleitplanung/Bebauungsplan Nr. 47 Am Sonnenhang - Aufstellungsbeschluss.docx",
            "Bebauungsplan Nr. 47 „Am Sonnenhang“ – Aufstellungsbeschluss",
            [
                "Der Stadtrat hat in seiner Sitzung am 25.04.2024 beschlossen, für das Gebiet "
                "„Am Sonnenhang“ einen Bebauungsplan aufzustellen (§ 2 Abs. 1 BauGB).",
                "Ziel ist ein allgemeines Wohngebiet mit etwa 45 Bauplätzen für Einfamilien- und Doppelhäuser "
                "sowie zwei Mehrfamilienhäusern.",
                "Der Beschluss wird ortsüblich bekannt gemacht. Bis zum Inkrafttreten des Bebauungsplans "
                "sind Bauanträge im Plangebiet nach § 35 BauGB zu beurteilen; eine Veränderungssperre wird geprüft.",
            ],
            author="Bauamt",
            date="2024-04-30",
        ),
        DemoDocument(
            "Bauamt/Bauleitplanung/Beteiligung Träger öffentlicher Belange Bebauungsplan 47.xlsx",
            "Beteiligung Träger öffentlicher Belange – Bebauungsplan Nr. 47",
            [
                ["Träger öffentlicher Belange", "angeschrieben am", "Frist", "Stellungnahme", "Inhalt"],
                [
                    "Landratsamt – Untere Naturschutzbehörde",
                    "06.05.2024",
                    "07.06.2024",
                    "eingegangen",
                    "Artenschutzgutachten erforderlich",
                ],
                ["Wasserwirtschaftsamt", "06.05.2024", "07.06.2024", "eingegangen", "Starkregenvorsorge beachten"],
                ["Regionaler Planungsverband", "06.05.2024", "07.06.2024", "offen", ""],
                ["Netzbetreiber Strom", "06.05.2024", "07.06.2024", "eingegangen", "keine Einwände"],
                [
                    "Freiwillige Feuerwehr Hohenbrück",
                    "06.05.2024",
                    "07.06.2024",
                    "eingegangen",
                    "Löschwasserversorgung nachweisen",
                ],
                ["Deutsche Telekom Technik", "06.05.2024", "07.06.2024", "offen", ""],
            ],
            author="Bauamt",
            date="2024-06-10",
        ),
        DemoDocument(
            "Bauamt/Denkmalschutz/Denkmalliste Altstadt.xlsx",
            "Denkmalliste Altstadt Hohenbrück",
            [
                ["Objekt", "Anschrift", "Baujahr", "Beschreibung"],
                ["Rathaus", "Marktplatz 1", 1587, "Dreigeschossiger Fachwerkbau mit Arkaden"],
                ["Stadtpfarrkirche St. Georg", "Kirchgasse 2", 1460, "Spätgotische Hallenkirche"],
                ["Ehemaliges Amtshaus", "Marktplatz 6", 1712, "Barocker Walmdachbau"],
                ["Stadtmauer mit Torturm", "Brunnenstraße", 1390, "Erhaltene Reste der Befestigung"],
                ["Zehntscheune", "Talstraße 12", 1605, "Massivbau mit Krüppelwalmdach"],
            ],
            author="Bauamt",
            date="2017-02-20",
        ),
    ]


def _hauptamt() -> list[DemoDocument]:
    return [
        DemoDocument(
            "Hauptamt/Personal/Stellenausschreibungen/Stellenausschreibung Sachbearbeitung Bauordnung (m-w-d).docx",
            "Stellenausschreibung Sachbearbeitung Bauordnung (m/w/d)",
            [
                f"Die {TOWN} (ca. 27.000 Einwohnerinnen und Einwohner) sucht zum nächstmöglichen "
                "Zeitpunkt für das Bauamt eine Sachbearbeitung Bauordnung (m/w/d) in Vollzeit.",
                "Ihre Aufgaben: Prüfung von Bauanträgen und Bauvoranfragen, planungsrechtliche "
                "Beurteilung nach §§ 30 bis 35 BauGB, Beratung von Bauherrinnen und Bauherren, "
                "Baukontrollen und Bearbeitung von Beschwerden.",
                "Ihr Profil: Abschluss als Bachelor of Engineering (Architektur oder Bauingenieurwesen) "
                "oder Verwaltungsfachwirt/in mit Erfahrung im Baurecht; Führerschein Klasse B.",
                "Wir bieten: Vergütung nach Entgeltgruppe 10 TVöD, flexible Arbeitszeit, mobile Arbeit "
                "nach Dienstvereinbarung, Jobrad und betriebliches Gesundheitsmanagement.",
                "Bewerbungen bis 31.03.2024 an das Hauptamt – Personal, Marktplatz 1, 74999 Hohenbrück "
                f"oder an {_mail('bewerbung')}.",
            ],
            author="Hauptamt Personal",
            date="2024-02-15",
        ),
        DemoDocument(
            "Hauptamt/Personal/Stellenausschreibungen/Stellenausschreibung Digitallotse (m-w-d).pdf",
            "Stellenausschreibung Digitallotsin / Digitallotse (m/w/d)",
            [
                f"Die {TOWN} führt ein Dokumentenmanagementsystem (DMS) und die elektronische Akte ein. "
                "Dafür suchen wir intern Kolleginnen und Kollegen, die als Digitallotsen ihre Ämter begleiten.",
                "Aufgaben: Ansprechperson im eigenen Amt für Fragen zum DMS, Mitarbeit in der AG DMS, "
                "Pflege von Anleitungen im Wiki, Unterstützung bei der Zuordnung der Ablage zum Aktenplan.",
                "Umfang: bis zu vier Stunden pro Woche, Freistellung durch die Amtsleitung.",
                "Interessenbekundungen bis 15.02.2024 an das Hauptamt.",
            ],
            author="Hauptamt Personal",
            date="2024-01-22",
        ),
        DemoDocument(
            "Hauptamt/Personal/Personalakten/Urlaubsplanung 2024.xlsx",
            "Urlaubsplanung 2024 Hauptamt",
            [
                ["Name", "Amt", "Urlaubsanspruch (Tage)", "geplant", "genommen", "Resturlaub Vorjahr"],
                ["Keller, Birgit", "Hauptamt", 30, 28, 6, 2],
                ["Aydın, Murat", "Hauptamt", 30, 30, 9, 0],
                ["Sommer, Lisa", "Hauptamt", 30, 25, 3, 5],
                ["Fuchs, Dieter", "Hauptamt", 30, 30, 12, 1],
            ],
            author="B. Keller",
            date="2024-03-04",
        ),
        DemoDocument(
            "Hauptamt/Personal/Dienstvereinbarung Mobile Arbeit.odt",
            "Dienstvereinbarung Mobile Arbeit",
            [
                f"Zwischen der {TOWN}, vertreten durch den Oberbürgermeister, und dem Personalrat "
                "wird folgende Dienstvereinbarung über mobile Arbeit geschlossen.",
                "§ 1 Geltungsbereich: Die Vereinbarung gilt für alle Beschäftigten, deren Aufgaben sich für "
                "mobile Arbeit eignen. Ausgenommen sind Tätigkeiten mit Publikumsverkehr im Bürgerbüro und Standesamt.",
                "§ 2 Umfang: Mobile Arbeit ist an bis zu zwei Tagen pro Woche möglich. Der Antrag ist über "
                "die Amtsleitung an das Hauptamt zu richten.",
                "§ 3 Datenschutz: Personenbezogene Daten dürfen nur über den VPN-Zugang bearbeitet werden. "
                "Ausdrucke sind zu vermeiden und datenschutzgerecht zu vernichten.",
                "§ 4 Arbeitszeit: Es gilt die Dienstvereinbarung zur gleitenden Arbeitszeit.",
            ],
            author="Hauptamt",
            date="2022-10-01",
        ),
        DemoDocument(
            "Hauptamt/Personal/Fortbildungsplan 2024.xlsx",
            "Fortbildungsplan 2024",
            [
                ["Fortbildung", "Zielgruppe", "Termin", "Anbieter", "Teilnehmende", "Kosten (€)"],
                ["DMS-Grundlagen für Digitallotsen", "Digitallotsen", "16.04.2024", "DMS-Hersteller", 12, 0],
                ["Aktenplan und Schriftgutverwaltung", "alle Ämter", "23.04.2024", "Verwaltungsschule", 20, 1800],
                ["Baurecht aktuell", "Bauamt", "07.05.2024", "Kommunale Akademie", 3, 690],
                ["Datenschutz im Bürgerbüro", "Bürgerbüro", "11.06.2024", "Datenschutzbeauftragter", 8, 0],
                ["Personenstandsrecht", "Standesamt", "18.09.2024", "Fachverband der Standesbeamten", 2, 540],
            ],
            author="Hauptamt",
            date="2024-01-10",
        ),
        DemoDocument(
            "Hauptamt/Organisation/Dienstanweisung Aktenführung.docx",
            "Dienstanweisung über die Aktenführung (Aktenordnung)",
            [
                "§ 1 Zweck: Diese Dienstanweisung regelt die Führung, Aufbewahrung und Aussonderung "
                f"von Schriftgut in der {TOWN}. Sie gilt für Papierakten und für elektronische Akten im DMS.",
                "§ 2 Aktenplan: Jedes Schriftstück ist einem Aktenzeichen des einheitlichen Aktenplans "
                "zuzuordnen. Das Aktenzeichen besteht aus der Aktenplankennziffer, dem Jahrgang und "
                "einer laufenden Nummer, zum Beispiel 632.10-2023/145 für einen Bauantrag.",
                "§ 3 Ablage auf Laufwerken: Dateien auf den Netzlaufwerken sind nach dem Aktenplan zu "
                "ordnen. Persönliche Ordner und Ablagen auf dem Desktop sind keine Akten.",
                "§ 4 Aufbewahrungsfristen: Die Fristen richten sich nach dem Aktenplan. Nach Ablauf "
                "sind die Akten dem Stadtarchiv anzubieten.",
                "§ 5 Einführung des DMS: Mit der Einführung des Dokumentenmanagementsystems wird die "
                "elektronische Akte zur führenden Akte. Die Digitallotsen der Ämter unterstützen die Umstellung.",
            ],
            author="Hauptamt Organisation",
            date="2023-09-01",
        ),
        DemoDocument(
            "Hauptamt/Organisation/Dienstanweisung E-Mail und Internet.odt",
            "Dienstanweisung zur Nutzung von E-Mail und Internet",
            [
                "1. Dienstliche E-Mails sind wie Schriftstücke zu behandeln; aktenrelevante E-Mails sind zur Akte zu nehmen.",
                "2. Funktionspostfächer (zum Beispiel bauamt@, kaemmerei@, buergerbuero@) werden von "
                "mehreren Beschäftigten gelesen; Abwesenheiten sind einzutragen.",
                "3. Anhänge unbekannter Absender dürfen nicht geöffnet werden. Verdächtige Nachrichten sind der IT zu melden.",
                "4. Die private Nutzung des Internetzugangs ist in den Pausen in geringem Umfang gestattet.",
            ],
            author="Hauptamt Organisation",
            date="2019-04-15",
        ),
        DemoDocument(
            "Hauptamt/Organisation/Geschäftsverteilungsplan 2024.xlsx",
            "Geschäftsverteilungsplan 2024",
            [
                ["Amt", "Kennziffer", "Aufgaben", "Amtsleitung", "Telefon"],
                ["Hauptamt", "10", "Organisation, Personal, Ratsangelegenheiten, IT", "Birgit Keller", "07999 27-100"],
                ["Kämmerei", "20", "Haushalt, Steuern, Stadtkasse", "Klaus Neumann", "07999 27-200"],
                ["Ordnungsamt", "32", "Gewerbe, Veranstaltungen, Fundbüro", "Petra Schwarz", "07999 27-320"],
                ["Standesamt", "34", "Personenstandswesen, Trauungen", "Andrea Vogt", "07999 27-340"],
                ["Bürgerbüro", "33", "Meldewesen, Pässe, Bürgerservice", "Tobias Lang", "07999 27-330"],
                ["Bauamt", "60", "Bauleitplanung, Bauordnung, Denkmalschutz", "Rainer Hartmann", "07999 27-600"],
            ],
            author="Hauptamt",
            date="2024-01-02",
        ),
        DemoDocument(
            "Hauptamt/Organisation/Aktenplan Stadtverwaltung (Auszug).pdf",
            "Aktenplan der Stadtverwaltung Hohenbrück (Auszug)",
            [
                "Der Aktenplan gliedert das Schriftgut in drei Ebenen: Hauptgruppe, Gruppe und Untergruppe.",
                "0 Allgemeine Verwaltung – 00 Gemeindeverfassung – 002 Stadtrat und Ausschüsse – "
                "01 Organisation – 010 Geschäftsverteilung – 012 Schriftgutverwaltung und DMS – "
                "02 Personal – 020 Stellenplan und Stellenausschreibungen – 022 Personalakten",
                "1 Öffentliche Sicherheit und Ordnung – 10 Personenstandswesen – 100 Geburten – 101 Eheschließungen – "
                "11 Meldewesen – 12 Gewerbe – 120 Gewerbeanmeldungen – 13 Veranstaltungen und Sondernutzungen",
                "6 Bauwesen – 61 Bauleitplanung – 610 Flächennutzungsplan – 611 Bebauungspläne – "
                "63 Bauordnung – 632 Baugenehmigungen – 632.10 Bauanträge – 634 Denkmalschutz",
                "9 Finanzen – 90 Haushalt – 900 Haushaltsplan und Haushaltssatzung – "
                "92 Steuern – 921 Grundsteuer – 924 Hundesteuer – 96 Stadtkasse",
            ],
            author="Hauptamt Organisation",
            date="2023-09-01",
        ),
        DemoDocument(
            "Hauptamt/Organisation/Telefonliste.html",
            "Telefonliste der Stadtverwaltung",
            [
                "Zentrale: 07999 27-0",
                "Bürgerbüro: 07999 27-330 – Meldebescheinigung, Personalausweis, Reisepass",
                "Bauamt: 07999 27-214 (Bauanträge), 07999 27-610 (Bauleitplanung)",
                "Kämmerei: 07999 27-200, Steueramt (Grundsteuer, Hundesteuer): 07999 27-221",
                "Ordnungsamt: 07999 27-320 (Gewerbe), 07999 27-325 (Fundbüro)",
                "Standesamt: 07999 27-340",
                "IT-Hotline: 07999 27-199",
            ],
            date="2024-02-01",
        ),
        DemoDocument(
            "Hauptamt/Ratsangelegenheiten/Sitzungsvorlage 2024-017 Einführung DMS.docx",
            "Sitzungsvorlage 2024/017: Einführung eines Dokumentenmanagementsystems",
            [
                "Vorlage Nr. 2024/017 – Hauptausschuss am 12.03.2024, öffentlich",
                "Beschlussvorschlag: Der Hauptausschuss empfiehlt dem Stadtrat, die Verwaltung mit der "
                "Einführung eines Dokumentenmanagementsystems (DMS) zu beauftragen und die im "
                "Haushaltsplan 2024 veranschlagten Mittel von 185.000 € freizugeben.",
                "Sachverhalt: Die Akten der Stadtverwaltung liegen heute zum Teil auf Papier, zum Teil "
                "unstrukturiert auf Netzlaufwerken. Das Onlinezugangsgesetz und die Erwartungen der "
                "Bürgerinnen und Bürger verlangen medienbruchfreie Abläufe.",
                "Vorgehen: Die AG DMS hat die Anforderungen in einem Lastenheft beschrieben. Vor der "
                "Migration werden die Laufwerke gesichtet, Dubletten bereinigt und die Ordner dem "
                "Aktenplan zugeordnet. In jedem Amt begleiten Digitallotsen die Umstellung.",
                "Finanzielle Auswirkungen: Einmalig 185.000 € (Lizenzen, Einführung, Schulung), jährlich 32.000 € Wartung.",
            ],
            author="Hauptamt",
            date="2024-02-27",
        ),
        DemoDocument(
            "Hauptamt/Ratsangelegenheiten/Protokoll Hauptausschuss 2024-03-12.pdf",
            "Niederschrift über die Sitzung des Hauptausschusses am 12.03.2024",
            [
                "Beginn: 18:00 Uhr, Ende: 20:15 Uhr. Vorsitz: Oberbürgermeister.",
                "TOP 1: Genehmigung der Niederschrift der letzten Sitzung – einstimmig genehmigt.",
                "TOP 2: Einführung eines Dokumentenmanagementsystems (Vorlage 2024/017). Die Verwaltung "
                "stellt das Vorhaben vor. Nachfragen betreffen den Datenschutz und die Schulung der "
                "Beschäftigten. Beschluss: Empfehlung an den Stadtrat, 9 Ja-Stimmen, 1 Enthaltung.",
                "TOP 3: Zuschuss an den Sportverein für die Sanierung der Flutlichtanlage – vertagt.",
                "TOP 4: Anfragen. Eine Stadträtin fragt nach dem Stand der Bauvoranfrage Bahnhofstraße 27; "
                "die Verwaltung verweist auf den Bauausschuss.",
            ],
            author="Sitzungsdienst",
            date="2024-03-14",
        ),
        DemoDocument(
            "Hauptamt/Ratsangelegenheiten/Protokoll Bauausschuss 2023-11-08.odt",
            "Niederschrift Bauausschuss 08.11.2023",
            [
                "TOP 1: Bauvoranfrage Mehrfamilienhaus Bahnhofstraße 27 (632.10-2023/162). Das "
                "gemeindliche Einvernehmen nach § 36 BauGB wird erteilt. Abstimmung: 7:2.",
                "TOP 2: Bauantrag Anbau Wintergarten Am Mühlbach 3 (632.10-2023/151) – zurückgestellt, Unterlagen fehlen.",
                "TOP 3: Bericht zum Bebauungsplan Nr. 41 „Gewerbegebiet Nord“ – Kenntnisnahme.",
                "TOP 4: Verschiedenes: Die Straßenbeleuchtung im Lindenweg wird auf LED umgestellt.",
            ],
            author="Sitzungsdienst",
            date="2023-11-13",
        ),
        DemoDocument(
            "Hauptamt/Ratsangelegenheiten/Einladung Stadtrat 2024-04-25.pdf",
            "Einladung zur Sitzung des Stadtrats am 25.04.2024",
            [
                "Sehr geehrte Mitglieder des Stadtrats, hiermit lade ich Sie zur öffentlichen Sitzung "
                "am Donnerstag, 25.04.2024, 18:30 Uhr, im Sitzungssaal des Rathauses ein.",
                "Tagesordnung: 1. Einführung eines Dokumentenmanagementsystems (Vorlage 2024/017) – "
                "2. Aufstellungsbeschluss Bebauungsplan Nr. 47 „Am Sonnenhang“ – 3. Haushaltssatzung "
                "2024, Bericht über den Vollzug – 4. Bekanntgaben und Anfragen",
                "Mit freundlichen Grüßen, Oberbürgermeister",
            ],
            author="Sitzungsdienst",
            date="2024-04-15",
        ),
    ]


def _kaemmerei(rng: random.Random) -> list[DemoDocument]:
    return [
        DemoDocument(
            "Kämmerei/Haushalt/2024/Haushaltsplan 2024 Ergebnishaushalt.xlsx",
            "Haushaltsplan 2024 – Ergebnishaushalt",
            _ergebnishaushalt(rng, 2024),
            author="Kämmerei",
            date="2023-12-08",
        ),
        DemoDocument(
            "Kämmerei/Haushalt/2024/Haushaltsplan 2024 Vorbericht.docx",
            "Vorbericht zum Haushaltsplan 2024",
            [
                "1. Allgemeines: Der Haushaltsplan 2024 der Stadt Hohenbrück wurde nach den Regeln der "
                "kommunalen Doppik aufgestellt. Er umfasst den Ergebnishaushalt und den Finanzhaushalt.",
                "2. Entwicklung der Steuererträge: Die Gewerbesteuer wird mit 9,8 Mio. € veranschlagt. "
                "Bei der Grundsteuer sind die Auswirkungen der Grundsteuerreform ab 2025 noch nicht "
                "berücksichtigt. Die Hundesteuer bringt voraussichtlich 148.000 €.",
                "3. Investitionen: Schwerpunkte sind die Sanierung der Grundschule, der Ausbau des "
                "Lindenwegs und die Einführung des Dokumentenmanagementsystems (185.000 €).",
                "4. Verschuldung: Der Schuldenstand sinkt bis Jahresende auf 11,2 Mio. €.",
                "Aufgestellt: Kämmerei, Klaus Neumann, Stadtkämmerer.",
            ],
            author="K. Neumann",
            date="2023-12-08",
        ),
        DemoDocument(
            "Kämmerei/Haushalt/2024/Haushaltssatzung 2024.pdf",
            "Haushaltssatzung der Stadt Hohenbrück für das Haushaltsjahr 2024",
            [
                "Aufgrund der Gemeindeordnung erlässt die Stadt Hohenbrück folgende Haushaltssatzung:",
                "§ 1 Der Haushaltsplan für das Haushaltsjahr 2024 wird im Ergebnishaushalt mit Erträgen "
                "von 41.985.000 € und Aufwendungen von 41.450.000 € festgesetzt.",
                "§ 2 Kredite für Investitionen werden nicht veranschlagt.",
                "§ 3 Verpflichtungsermächtigungen werden in Höhe von 1.200.000 € festgesetzt.",
                "§ 4 Die Steuersätze (Hebesätze) betragen: Grundsteuer A 340 v. H., Grundsteuer B 380 v. H., "
                "Gewerbesteuer 360 v. H.",
                "§ 5 Der Höchstbetrag der Kassenkredite wird auf 4.000.000 € festgesetzt.",
                "§ 6 Diese Satzung tritt am 1. Januar 2024 in Kraft.",
            ],
            author="Kämmerei",
            date="2024-01-19",
        ),
        DemoDocument(
            "Kämmerei/Haushalt/2023/Haushaltsplan 2023 Ergebnishaushalt.xlsx",
            "Haushaltsplan 2023 – Ergebnishaushalt",
            _ergebnishaushalt(rng, 2023),
            author="Kämmerei",
            date="2022-12-09",
        ),
        DemoDocument(
            "Kämmerei/Steuern/Hundesteuer/Hundesteuersatzung.pdf",
            "Satzung über die Erhebung der Hundesteuer (Hundesteuersatzung)",
            [
                "§ 1 Steuergegenstand: Gegenstand der Steuer ist das Halten von Hunden im Stadtgebiet "
                "durch natürliche Personen für nicht gewerbliche Zwecke.",
                "§ 2 Steuerpflichtiger: Steuerpflichtig ist der Halter des Hundes. Wer einen Hund "
                "aufnimmt, hat ihn innerhalb von zwei Wochen bei der Kämmerei – Steueramt – anzumelden.",
                "§ 3 Steuersatz: Die Steuer beträgt jährlich für den ersten Hund 90 €, für jeden weiteren "
                "Hund 120 €, für einen Kampfhund 600 €.",
                "§ 4 Steuerbefreiungen: Auf Antrag befreit sind Blindenführhunde, Assistenzhunde und "
                "Hunde, die aus einem Tierheim aufgenommen wurden (für zwölf Monate).",
                "§ 5 Steuermarken: Für jeden angemeldeten Hund wird eine Steuermarke ausgegeben, die der Hund "
                "außerhalb des Hauses sichtbar tragen muss.",
                "§ 6 Inkrafttreten: Diese Satzung tritt am 1. Januar 2021 in Kraft.",
            ],
            author="Kämmerei",
            date="2020-11-27",
        ),
        DemoDocument(
            "Kämmerei/Steuern/Hundesteuer/Anmeldung Hund Formular.docx",
            "Anmeldung eines Hundes zur Hundesteuer",
            [
                "An die Stadt Hohenbrück, Kämmerei – Steueramt, Marktplatz 1, 74999 Hohenbrück",
                "Halterin/Halter: Name, Vorname, Anschrift, Telefon",
                "Angaben zum Hund: Rasse, Geschlecht, Geburtsdatum, Chipnummer, gehalten seit",
                "Ich beantrage eine Steuerbefreiung nach § 4 der Hundesteuersatzung (Nachweis liegt bei): ja / nein",
                f"Bitte senden Sie das Formular an {_mail('kaemmerei')} oder geben Sie es im Bürgerbüro ab.",
            ],
            author="Kämmerei",
            date="2021-01-11",
        ),
        DemoDocument(
            "Kämmerei/Steuern/Hundesteuer/Veranlagung/Hundesteuer Veranlagung 2024.xlsx",
            "Hundesteuer – Veranlagungsliste 2024",
            _hundesteuer_veranlagung(rng),
            author="Steueramt",
            date="2024-02-02",
        ),
        DemoDocument(
            "Kämmerei/Steuern/Hundesteuer/Veranlagung/Bescheid Hundesteuer Muster.odt",
            "Hundesteuerbescheid (Muster)",
            [
                "Bescheid über die Festsetzung der Hundesteuer für das Jahr 2024",
                "Für den von Ihnen gehaltenen Hund wird die Hundesteuer nach § 3 der Hundesteuersatzung "
                "auf 90,00 € festgesetzt. Der Betrag ist am 15.02.2024 fällig.",
                "Bitte überweisen Sie unter Angabe des Kassenzeichens auf das Konto der Stadtkasse.",
                "Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann innerhalb eines Monats Widerspruch erhoben werden.",
            ],
            author="Steueramt",
            date="2024-01-25",
        ),
        DemoDocument(
            "Kämmerei/Steuern/Grundsteuer/Grundsteuerreform Information.docx",
            "Information zur Grundsteuerreform 2025",
            [
                "Ab dem 1. Januar 2025 wird die Grundsteuer auf Grundlage der neuen Grundsteuerwerte erhoben.",
                "Die Finanzämter stellen die Grundsteuermessbeträge fest; die Stadt setzt mit dem Hebesatz "
                "die Grundsteuer fest. Die Kämmerei prüft einen aufkommensneutralen Hebesatz.",
                "Rückfragen zum Grundsteuerwert richten Sie bitte an das Finanzamt, Fragen zum "
                "Grundsteuerbescheid an das Steueramt der Kämmerei.",
            ],
            author="Kämmerei",
            date="2024-05-06",
        ),
        DemoDocument(
            "Kämmerei/Steuern/Grundsteuer/Hebesätze Übersicht.html",
            "Hebesätze der Stadt Hohenbrück",
            [
                "Grundsteuer A (land- und forstwirtschaftliche Betriebe): 340 v. H.",
                "Grundsteuer B (Grundstücke): 380 v. H.",
                "Gewerbesteuer: 360 v. H.",
                "Die Hebesätze sind in § 4 der Haushaltssatzung 2024 festgesetzt.",
            ],
            date="2024-01-19",
        ),
        DemoDocument(
            "Kämmerei/Stadtkasse/Mahnlauf 2024-02.txt",
            "",
            [
                "Mahnlauf Februar 2024 - Stadtkasse Hohenbrück",
                "Kassenzeichen;Schuldner;Forderung;Fällig am;Betrag;Mahnstufe",
                "6.1.40211;Krüger, Helmut;Hundesteuer 2024;15.02.2024;90,00;1",
                "6.1.52877;Schröder, Anja;Hundesteuer 2024;15.02.2024;210,00;1",
                "5.3.11802;Bäckerei Lange e. K.;Gewerbesteuer Vorauszahlung;15.02.2024;1.250,00;2",
                "2.7.00419;Köhler, Jürgen;Grundsteuer B 1. Quartal;15.02.2024;184,30;1",
                "6.3.63210;Brandt, Felix;Baugenehmigungsgebühr 632.10-2023/145;30.09.2023;1.842,00;3",
                "Summe offene Forderungen: 3.576,30 EUR",
            ],
            author="Stadtkasse",
            date="2024-02-29",
            encoding="cp1252",
        ),
    ]


def _ordnungsamt() -> list[DemoDocument]:
    return [
        DemoDocument(
            "Ordnungsamt/Gewerbe/Gewerbeanmeldung 2024-031 Café Lindenblüte.pdf",
            "Gewerbeanmeldung 2024-031",
            [
                "Gewerbeanmeldung nach § 14 GewO – Lfd. Nr. 2024-031",
                "Betrieb: Café Lindenblüte, Inhaberin Ayşe Kaya, Marktplatz 9, 74999 Hohenbrück",
                "Angemeldete Tätigkeit: Betrieb eines Cafés mit Verkauf von Backwaren und Speiseeis, "
                "Ausschank alkoholfreier Getränke.",
                "Beginn der Tätigkeit: 01.04.2024. Zahl der Beschäftigten: 2 Vollzeit, 3 Teilzeit.",
                "Hinweise: Für den Ausschank alkoholischer Getränke ist eine Gaststättenerlaubnis erforderlich. "
                "Die Außenbewirtschaftung auf dem Marktplatz bedarf einer Sondernutzungserlaubnis.",
                "Durchschriften gehen an: Finanzamt, Industrie- und Handelskammer, Berufsgenossenschaft, Gewerbeaufsicht.",
            ],
            author="Ordnungsamt",
            date="2024-03-18",
        ),
        DemoDocument(
            "Ordnungsamt/Gewerbe/Gewerbeanmeldung 2024-044 Elektro Brandt.docx",
            "Gewerbeanmeldung 2024-044 Elektro Brandt",
            [
                "Gewerbeanmeldung – Lfd. Nr. 2024-044",
                "Betrieb: Elektro Brandt e. K., Inhaber Felix Brandt, Lindenweg 12, 74999 Hohenbrück",
                "Tätigkeit: Elektroinstallation, Photovoltaik und Ladeinfrastruktur (zulassungspflichtiges Handwerk).",
                "Die Eintragung in die Handwerksrolle wurde nachgewiesen.",
                "Beginn: 01.05.2024",
            ],
            author="Ordnungsamt",
            date="2024-04-22",
        ),
        DemoDocument(
            "Ordnungsamt/Gewerbe/Gewerbeabmeldung 2024-009.odt",
            "Gewerbeabmeldung 2024-009",
            [
                "Gewerbeabmeldung nach § 14 GewO – Lfd. Nr. 2024-009",
                "Betrieb: Blumen Hofmann, Kirchgasse 5. Grund der Abmeldung: Aufgabe aus Altersgründen.",
                "Ende der Tätigkeit: 31.01.2024. Ein Nachfolger ist nicht vorhanden.",
            ],
            author="Ordnungsamt",
            date="2024-02-05",
        ),
        DemoDocument(
            "Ordnungsamt/Gewerbe/Merkblatt Gewerbeanmeldung.html",
            "Merkblatt: Gewerbe anmelden, ummelden, abmelden",
            [
                "Wer ein Gewerbe beginnt, muss es beim Ordnungsamt anmelden (§ 14 Gewerbeordnung).",
                "Mitzubringen sind: Personalausweis oder Reisepass, bei Handwerksbetrieben die "
                "Handwerkskarte, bei erlaubnispflichtigen Gewerben die Erlaubnis.",
                "Die Gebühr für eine Gewerbeanmeldung beträgt 30 €, für eine Abmeldung 15 €.",
                "Anträge können auch online gestellt werden. Fragen beantwortet das Ordnungsamt, Telefon 07999 27-320.",
            ],
            date="2023-06-01",
        ),
        DemoDocument(
            "Ordnungsamt/Veranstaltungen/Genehmigung Stadtfest 2024.docx",
            "Genehmigung Stadtfest 2024",
            [
                "Der Gewerbe- und Verkehrsverein Hohenbrück e. V. veranstaltet vom 19. bis 21.07.2024 "
                "das Stadtfest auf dem Marktplatz und in der Kirchgasse.",
                "Die Veranstaltung wird unter folgenden Auflagen genehmigt: Sperrzeit ab 01:00 Uhr, "
                "Sanitätsdienst an allen Tagen, Rettungswege von mindestens 3,50 m Breite, Lärmschutz "
                "nach der Freizeitlärm-Richtlinie.",
                "Die Straßensperrung ordnet die Straßenverkehrsbehörde gesondert an.",
            ],
            author="Ordnungsamt",
            date="2024-05-27",
        ),
        DemoDocument(
            "Ordnungsamt/Veranstaltungen/Sondernutzung Gehweg Antrag.pdf",
            "Antrag auf Sondernutzungserlaubnis",
            [
                "Antrag auf Erteilung einer Sondernutzungserlaubnis für die Nutzung öffentlicher Verkehrsflächen",
                "Antragstellerin: Café Lindenblüte, Marktplatz 9",
                "Zweck: Aufstellung von sechs Tischen und zwölf Stühlen vor dem Café (Außenbewirtschaftung), "
                "Fläche ca. 24 m², Zeitraum 01.04. bis 31.10.2024.",
                "Die Sondernutzungsgebühr richtet sich nach der Sondernutzungssatzung der Stadt.",
            ],
            author="Ordnungsamt",
            date="2024-03-20",
        ),
        DemoDocument(
            "Ordnungsamt/Fundbüro/Fundbuch 2023.xlsx",
            "Fundbuch 2023",
            [
                ["Fund-Nr.", "Funddatum", "Fundort", "Gegenstand", "Verbleib"],
                ["F-2023-001", "04.01.2023", "Bahnhof", "Schlüsselbund mit 4 Schlüsseln", "abgeholt"],
                ["F-2023-017", "22.03.2023", "Marktplatz", "Damenfahrrad, blau", "versteigert"],
                ["F-2023-042", "20.07.2023", "Stadtfest", "Geldbörse", "abgeholt"],
                ["F-2023-043", "21.07.2023", "Stadtfest", "Mobiltelefon", "in Verwahrung"],
                ["F-2023-058", "11.10.2023", "Friedhof", "Brille", "in Verwahrung"],
            ],
            author="Ordnungsamt",
            date="2024-01-08",
        ),
    ]


def _standesamt() -> list[DemoDocument]:
    return [
        DemoDocument(
            "Standesamt/Eheschließungen/Terminplan Trauungen 2024.xlsx",
            "Terminplan Trauungen 2024",
            [
                ["Datum", "Uhrzeit", "Ort", "Eheschließende", "Standesbeamtin/-beamter"],
                ["13.04.2024", "11:00", "Trauzimmer Rathaus", "Weber / Schulz", "Vogt"],
                ["18.05.2024", "10:30", "Zehntscheune", "Koch / Lehmann", "Vogt"],
                ["08.06.2024", "14:00", "Trauzimmer Rathaus", "Meyer / Kaya", "Herrmann"],
                ["24.08.2024", "11:30", "Zehntscheune", "Becker / Wolf", "Herrmann"],
            ],
            author="Standesamt",
            date="2024-03-01",
        ),
        DemoDocument(
            "Standesamt/Geburten/Geburtenregister 2024 Übersicht.xlsx",
            "Geburtenregister 2024 – Übersicht",
            [
                ["Registernummer", "Beurkundet am", "Name des Kindes", "Geburtsdatum", "Geburtsort"],
                ["G 14/2024", "05.02.2024", "Emma Schneider", "31.01.2024", "Hohenbrück"],
                ["G 15/2024", "07.02.2024", "Noah Yılmaz", "02.02.2024", "Hohenbrück"],
                ["G 16/2024", "12.02.2024", "Mia Hartmann", "09.02.2024", "Hohenbrück"],
            ],
            author="Standesamt",
            date="2024-02-12",
        ),
        DemoDocument(
            "Standesamt/Dienstanweisung Urkundenanforderung.odt",
            "Dienstanweisung: Ausstellung von Personenstandsurkunden",
            [
                "Personenstandsurkunden werden nur an die Personen ausgestellt, auf die sich der "
                "Registereintrag bezieht, sowie an Ehegatten, Vorfahren und Abkömmlinge (§ 62 PStG).",
                "Anforderungen per E-Mail sind nur mit Identitätsnachweis zu bearbeiten.",
                "Die Gebühr für eine Urkunde beträgt 12 €, jede weitere gleichzeitig beantragte 6 €.",
            ],
            author="Standesamt",
            date="2021-06-14",
        ),
        DemoDocument(
            "Standesamt/Namensänderung Antrag.pdf",
            "Antrag auf Namensänderung – Vermerk",
            [
                "Vermerk über die Beratung zu einer öffentlich-rechtlichen Namensänderung.",
                "Die Antragstellerin wurde darauf hingewiesen, dass für die Änderung des Familiennamens "
                "ein wichtiger Grund nachzuweisen ist und das Landratsamt zuständig ist.",
            ],
            author="Standesamt",
            date="2023-10-23",
        ),
    ]


def _buergerbuero() -> list[DemoDocument]:
    return [
        DemoDocument(
            "Bürgerbüro/Formulare/Antrag Meldebescheinigung.docx",
            "Antrag auf Ausstellung einer Meldebescheinigung",
            [
                "Hiermit beantrage ich eine einfache / erweiterte Meldebescheinigung.",
                "Name, Vorname, Geburtsdatum, Anschrift",
                "Die Gebühr beträgt 10 €. Die Bescheinigung kann auch online beantragt werden.",
            ],
            author="Bürgerbüro",
            date="2022-08-16",
        ),
        DemoDocument(
            "Bürgerbüro/Aushänge/Öffnungszeiten.html",
            "Öffnungszeiten des Bürgerbüros",
            [
                "Montag bis Mittwoch: 8:00 bis 16:00 Uhr",
                "Donnerstag: 8:00 bis 18:00 Uhr",
                "Freitag: 8:00 bis 12:00 Uhr",
                "Termine für Personalausweis und Reisepass bitte online vereinbaren.",
                "Anträge zur Hundesteuer und Formulare des Bauamts liegen im Bürgerbüro aus.",
            ],
            date="2024-01-03",
        ),
        DemoDocument(
            "Bürgerbüro/Ablage/Kopie Gewerbeanmeldung Kaya.pdf",
            "Kopie Gewerbeanmeldung",
            [
                "Gewerbeanmeldung – Kopie für die Ablage Bürgerbüro",
                "Ayşe Kaya, geboren am 14.09.1986 in Heilbronn, Marktplatz 9, 74999 Hohenbrück",
                "Bankverbindung für den Gebühreneinzug: IBAN DE02 1203 0000 0000 2020 51",
                "Tätigkeit: Café mit Verkauf von Backwaren und Speiseeis.",
            ],
            author="Bürgerbüro",
            date="2024-03-18",
        ),
        DemoDocument(
            "Bürgerbüro/Ablage/notizen theke.txt",
            "",
            [
                "Notizen für die Theke",
                "- Hundesteuer: Anmeldeformular liegt im Fach, Satzung im Ordner Formulare. Fragen -> Steueramt Kämmerei (27-221).",
                "- Bauanträge nehmen wir nur entgegen, Beratung macht das Bauamt (Frau Wolf, 27-214).",
                "- Gewerbeanmeldungen: nur Ordnungsamt, nicht bei uns!",
                "- Neuer Drucker im Wartebereich: Toner bestellt die IT.",
            ],
            date="2023-05-09",
        ),
        DemoDocument(
            "Bürgerbüro/FAQ Bürgerbüro.html",
            "Häufige Fragen an das Bürgerbüro",
            [
                "Wie lange dauert ein neuer Personalausweis? In der Regel drei bis vier Wochen.",
                "Kann ich meinen Umzug online melden? Ja, über das Serviceportal der Stadt.",
                "Wo melde ich meinen Hund an? Bei der Kämmerei (Steueramt); das Formular gibt es auch im Bürgerbüro.",
                "Wo stelle ich einen Bauantrag? Beim Bauamt; die Checkliste der Unterlagen finden Sie bei den Formularen.",
            ],
            date="2023-11-20",
        ),
    ]


def _it() -> list[DemoDocument]:
    dms = "IT/DMS-Einführung"
    return [
        DemoDocument(
            f"{dms}/Projektplan DMS.xlsx",
            "Projektplan Einführung DMS",
            [
                ["Phase", "Arbeitspaket", "verantwortlich", "Beginn", "Ende", "Status"],
                ["1 Vorbereitung", "Lastenheft erstellen", "AG DMS", "01.09.2023", "30.11.2023", "erledigt"],
                ["1 Vorbereitung", "Ratsbeschluss", "Hauptamt", "12.03.2024", "25.04.2024", "erledigt"],
                [
                    "2 Bestandsaufnahme",
                    "Laufwerke sichten, Dubletten bereinigen",
                    "Digitallotsen",
                    "02.05.2024",
                    "30.09.2024",
                    "läuft",
                ],
                ["2 Bestandsaufnahme", "Ordner dem Aktenplan zuordnen", "AG DMS", "01.06.2024", "31.10.2024", "läuft"],
                ["3 Pilot", "Pilotbetrieb Bauamt und Kämmerei", "IT", "01.11.2024", "28.02.2025", "geplant"],
                ["4 Rollout", "Einführung in allen Ämtern", "IT", "01.03.2025", "30.09.2025", "geplant"],
            ],
            author="IT",
            date="2024-05-15",
        ),
        DemoDocument(
            f"{dms}/Newsletter DMS Nr. 1.html",
            "DMS-Newsletter Nr. 1: Es geht los",
            [
                "Liebe Kolleginnen und Kollegen, der Stadtrat hat am 25.04.2024 die Einführung eines "
                "Dokumentenmanagementsystems beschlossen. In diesem Newsletter berichten wir regelmäßig über den Stand.",
                "Was ändert sich? Akten werden künftig elektronisch geführt. Jedes Dokument bekommt ein "
                "Aktenzeichen aus dem Aktenplan, und Suchen über alle Ämter wird einfacher.",
                "Wer hilft? In jedem Amt gibt es Digitallotsen. Sie beantworten Fragen und sammeln Wünsche.",
                "Was können Sie jetzt schon tun? Räumen Sie Ihre Ordner auf den Laufwerken auf und löschen Sie doppelte Dateien.",
            ],
            date="2024-05-02",
        ),
        DemoDocument(
            f"{dms}/Newsletter DMS Nr. 2.html",
            "DMS-Newsletter Nr. 2: Die Laufwerke werden gesichtet",
            [
                "Die AG DMS hat eine erste Übersicht über die Netzlaufwerke erstellt: rund 1,8 Millionen "
                "Dateien, davon etwa zwölf Prozent Dubletten.",
                "Für jeden Ordner wird eine Aktenplan-Kennziffer vorgeschlagen. Die Digitallotsen prüfen "
                "die Vorschläge gemeinsam mit den Ämtern.",
                "Tipp: In der Suche finden Sie Dokumente auch über das Aktenzeichen, zum Beispiel 632.10-2023/145.",
            ],
            date="2024-06-20",
        ),
        DemoDocument(
            f"{dms}/Lastenheft DMS (Auszug).docx",
            "Lastenheft Dokumentenmanagementsystem (Auszug)",
            [
                "1. Ausgangslage: Die Stadtverwaltung arbeitet mit Papierakten und Netzlaufwerken. Eine "
                "ämterübergreifende Suche ist nicht möglich.",
                "2. Muss-Anforderungen: elektronische Akte nach Aktenplan, revisionssichere Ablage, "
                "Rechte- und Rollenkonzept, Volltextsuche mit Texterkennung (OCR), Schnittstelle zum Ratsinformationssystem.",
                "3. Migration: Übernahme der Laufwerksinhalte mit Zuordnung zum Aktenplan; Dubletten "
                "und veraltete Dateien werden vorher bereinigt.",
                "4. Datenschutz: Zugriffsrechte der Laufwerke (zum Beispiel Personal und Standesamt) sind zu übernehmen.",
            ],
            author="AG DMS",
            date="2023-11-28",
        ),
        DemoDocument(
            f"{dms}/Protokoll AG DMS 2024-02-07.odt",
            "Protokoll AG DMS vom 07.02.2024",
            [
                "Teilnehmende: Hauptamt, Kämmerei, Bauamt, Ordnungsamt, IT, Personalrat.",
                "1. Lastenheft: Die Rückmeldungen der Ämter sind eingearbeitet. Das Bauamt wünscht eine "
                "Vorgangsbearbeitung für Bauanträge.",
                "2. Digitallotsen: Die Stellenausschreibung ist veröffentlicht; bisher fünf Interessenbekundungen.",
                "3. Bestandsaufnahme: Die IT prüft ein Werkzeug, das die Laufwerke durchsucht und Ordner dem Aktenplan zuordnet.",
                "Nächster Termin: 06.03.2024.",
            ],
            author="AG DMS",
            date="2024-02-09",
        ),
        DemoDocument(
            f"{dms}/Protokoll AG DMS 2024-03-06.docx",
            "Protokoll AG DMS vom 06.03.2024",
            [
                "1. Sitzungsvorlage: Die Vorlage 2024/017 für den Hauptausschuss ist abgestimmt.",
                "2. Kick-off: Der Termin mit dem Hersteller wird per E-Mail abgestimmt.",
                "3. Schulung: Die Digitallotsen werden ab April geschult; der Schulungsplan liegt vor.",
                "4. Aktenplan: Die Kämmerei schlägt vor, die Untergruppe 924 Hundesteuer beizubehalten.",
            ],
            author="AG DMS",
            date="2024-03-07",
        ),
        DemoDocument(
            f"{dms}/FAQ Digitallotsen.txt",
            "",
            [
                "FAQ für Digitallotsen",
                "",
                "Was ist ein Aktenplan?",
                "Das Ordnungssystem der Verwaltung. Jede Akte hat eine Kennziffer, z. B. 632 Baugenehmigungen.",
                "",
                "Werden meine Laufwerke gelöscht?",
                "Nein. Die Laufwerke bleiben bis zum Ende der Migration lesbar.",
                "",
                "Wie finde ich alte Bauanträge?",
                "Über die Suche im Portal, auch nach Aktenzeichen (632.10-...).",
            ],
            date="2024-04-18",
        ),
        DemoDocument(
            f"{dms}/Schulungsplan Digitallotsen.xlsx",
            "Schulungsplan Digitallotsen",
            [
                ["Modul", "Inhalt", "Termin", "Dauer (h)"],
                ["1", "Grundlagen DMS und elektronische Akte", "16.04.2024", 4],
                ["2", "Aktenplan und Aktenzeichen", "23.04.2024", 3],
                ["3", "Suchen, Finden, Rechte", "07.05.2024", 3],
                ["4", "Scannen und Texterkennung", "14.05.2024", 2],
            ],
            author="IT",
            date="2024-03-28",
        ),
        DemoDocument(
            f"{dms}/Agenda Kick-off DMS.docx",
            "Agenda Kick-off DMS",
            [
                "1. Begrüßung und Vorstellungsrunde",
                "2. Projektziele und Zeitplan",
                "3. Bestandsaufnahme der Laufwerke und Aktenplan",
                "4. Rollen: Projektleitung, AG DMS, Digitallotsen",
                "5. Nächste Schritte",
            ],
            author="IT",
            date="2024-04-29",
        ),
        DemoDocument(
            "IT/Anleitungen/Anleitung VPN-Zugang.pdf",
            "Anleitung: VPN-Zugang für mobile Arbeit",
            [
                "1. Starten Sie den VPN-Client auf dem Dienstnotebook.",
                "2. Melden Sie sich mit Ihrer Benutzerkennung und dem Einmalcode aus der App an.",
                "3. Nach dem Verbindungsaufbau stehen die Laufwerke wie im Rathaus zur Verfügung.",
                "Probleme? IT-Hotline 07999 27-199.",
            ],
            author="IT",
            date="2022-11-03",
        ),
        DemoDocument(
            "IT/Anleitungen/Anleitung Scannen am Multifunktionsgerät.docx",
            "Anleitung: Scannen am Multifunktionsgerät",
            [
                "Legen Sie das Dokument in den Einzug und wählen Sie „Scan an Ordner“.",
                "Wählen Sie Ihr Amt; die Datei erscheint als durchsuchbares PDF im Ordner Scans.",
                "Scans mit personenbezogenen Daten gehören nicht in offene Ordner.",
            ],
            author="IT",
            date="2021-09-30",
        ),
        DemoDocument(
            "IT/Anleitungen/Passwortrichtlinie.txt",
            "",
            [
                "Passwortrichtlinie der Stadtverwaltung",
                "Mindestens 12 Zeichen, keine Namen oder Geburtsdaten.",
                "Passwörter nie weitergeben, auch nicht an die IT.",
                "Bei Verdacht auf Missbrauch sofort die IT-Hotline (27-199) anrufen.",
            ],
            date="2020-02-17",
        ),
    ]


def demo_documents(rng: random.Random) -> list[DemoDocument]:
    """All documents of the demo share, in a fixed order (generated tables use `rng`)."""
    return [
        *_bauamt(rng),
        *_hauptamt(),
        *_kaemmerei(rng),
        *_ordnungsamt(),
        *_standesamt(),
        *_buergerbuero(),
        *_it(),
    ]


def demo_mails() -> list[DemoMail]:
    """Saved e-mails; they are written after the documents whose bytes they attach."""
    return [
        DemoMail(
            "IT/DMS-Einführung/Mails/Kick-off DMS Terminabstimmung.eml",
            "Kick-off DMS: Terminabstimmung und Agenda",
            "Liebe Mitglieder der AG DMS,\n\nder Kick-off mit dem Hersteller findet am 06.05.2024 um "
            "9:00 Uhr im Sitzungssaal statt. Die Agenda hängt an.\n\nBitte bringen Sie eine Übersicht "
            "der Ordner Ihres Amtes auf den Laufwerken mit.\n\nViele Grüße\nIT – Projektleitung DMS",
            _mail("it"),
            _mail("ag-dms"),
            "2024-04-29",
            ("IT/DMS-Einführung/Agenda Kick-off DMS.docx",),
        ),
        DemoMail(
            "Bauamt/632 Baugenehmigungen/2023/632.10-2023-151 Nachforderung Unterlagen.eml",
            "632.10-2023/151 – Nachforderung von Unterlagen zu Ihrem Bauantrag",
            "Sehr geehrter Herr Krüger,\n\nzu Ihrem Bauantrag (Anbau Wintergarten, Aktenzeichen "
            "632.10-2023/151) fehlen noch der amtliche Lageplan, die Berechnung der Abstandsflächen "
            "und der Nachweis nach dem Gebäudeenergiegesetz. Die Checkliste der Unterlagen hängt an.\n\n"
            "Bitte reichen Sie die Unterlagen innerhalb von vier Wochen nach.\n\nMit freundlichen Grüßen\n"
            "Markus Hartmann\nBauamt – Bauordnung",
            _mail("bauamt"),
            "helmut.krueger@example.org",
            "2023-07-12",
            ("Bauamt/632 Baugenehmigungen/Vorlagen/Checkliste Unterlagen Bauantrag.pdf",),
        ),
        DemoMail(
            "Kämmerei/Steuern/Hundesteuer/AW Frage zur Hundesteuer.eml",
            "AW: Frage zur Hundesteuer für einen Tierheimhund",
            "Sehr geehrte Frau Lehmann,\n\nvielen Dank für Ihre Anfrage. Hunde aus dem Tierheim sind nach "
            "§ 4 der Hundesteuersatzung für zwölf Monate von der Hundesteuer befreit. Bitte legen Sie der "
            "Anmeldung den Übernahmevertrag des Tierheims bei.\n\nMit freundlichen Grüßen\nSteueramt der Kämmerei",
            _mail("kaemmerei"),
            "c.lehmann@example.org",
            "2024-03-11",
        ),
    ]


# Exact copies that real shares are full of: (original, copy).
DUPLICATES: list[tuple[str, str]] = [
    ("Kämmerei/Steuern/Hundesteuer/Hundesteuersatzung.pdf", "Bürgerbüro/Formulare/Hundesteuersatzung.pdf"),
    (
        "Bauamt/632 Baugenehmigungen/Vorlagen/Checkliste Unterlagen Bauantrag.pdf",
        "Bürgerbüro/Formulare/Checkliste Unterlagen Bauantrag.pdf",
    ),
    (
        "Hauptamt/Personal/Stellenausschreibungen/Stellenausschreibung Sachbearbeitung Bauordnung (m-w-d).docx",
        "Bürgerbüro/Aushänge/Stellenausschreibung Sachbearbeitung Bauordnung (m-w-d).docx",
    ),
    (
        "Hauptamt/Organisation/Dienstanweisung Aktenführung.docx",
        "IT/DMS-Einführung/Grundlagen/Dienstanweisung Aktenführung - Kopie.docx",
    ),
    (
        "Hauptamt/Organisation/Aktenplan Stadtverwaltung (Auszug).pdf",
        "IT/DMS-Einführung/Grundlagen/Aktenplan Stadtverwaltung (Auszug).pdf",
    ),
]

# Files that must not open: (path, password) and (path, format it pretends to be).
ENCRYPTED_PDF = (
    "Hauptamt/Personal/Personalakten/Beurteilungen 2023.pdf",
    "Beurteilungen 2023 – vertraulich",
    [
        "Regelbeurteilungen 2023 – nur für die Personalverwaltung",
        "Die Beurteilungen wurden von den Amtsleitungen erstellt und mit den Beschäftigten besprochen.",
    ],
    "Personal2023!",
)
CORRUPT_FILE = ("Kämmerei/Haushalt/2024/Haushaltsplan_Entwurf_alt.docx", "docx")
EMPTY_FILE = "Bauamt/Bauleitplanung/Neues Textdokument.txt"
# Litter that a crawler must skip: an Office owner file and Windows' thumbnail cache.
LOCK_FILE = "Bauamt/632 Baugenehmigungen/2023/~$Antrag.docx"
THUMBS_DB = "Bauamt/Bauleitplanung/Thumbs.db"

# Folder -> directory group that alone may read it.
RESTRICTED_FOLDERS: dict[str, str] = {
    "Bauamt/632 Baugenehmigungen": "bauamt",
    "Hauptamt/Personal": "personal",
    "Standesamt": "standesamt",
    "Kämmerei/Steuern/Hundesteuer/Veranlagung": "kaemmerei",
}

DEMO_SEARCHES: list[tuple[str, str]] = [
    ("Anträge", "Grundform: findet auch Dokumente, in denen nur »Antrag« oder »Anträgen« steht."),
    ("Antrag", "Wortbestandteile: findet auch »Bauantrag«, »Sondernutzungsantrag« und »Antragsteller«."),
    (
        "632.10-2023/145",
        "Aktenzeichen als exakter Begriff: Bauantrag und Baugenehmigung zum Lindenweg 12 sieht nur "
        "die Gruppe bauamt; Mahnlauf, Aktenordnung und DMS-Newsletter sieht jeder.",
    ),
    ("Hundesteuer", "Satzung, Formular und Antwortmail sieht jeder; die Veranlagungsliste nur die Gruppe kaemmerei."),
    ("Kaemmerei", "Schreibweise ohne Umlaut findet Dokumente der »Kämmerei«."),
    ("§ 34 BauGB", "Rechtsnorm als Suchbegriff: Bauanträge im unbeplanten Innenbereich."),
    ("Digitallotsen", "Neuigkeiten und Protokolle zur DMS-Einführung."),
]
