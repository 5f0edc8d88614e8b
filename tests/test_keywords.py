from aktenlotse.enrich.keywords import KeywordExtractor, build_document_frequencies

TEXT = (
    "Bauantrag für den Neubau eines Einfamilienhauses. Die Baugenehmigung wird erteilt. "
    "Die Baugenehmigungen für das Einfamilienhaus und die Garage liegen vor. Seite 1 von 2. "
    "Sehr geehrte Damen und Herren, mit freundlichen Grüßen"
)


def test_keywords_are_lemmatised_and_without_boilerplate():
    keywords = KeywordExtractor().extract(TEXT)
    assert 1 <= len(keywords) <= 8
    assert "Baugenehmigung" in keywords and "Einfamilienhaus" in keywords
    assert "Baugenehmigungen" not in keywords
    assert not {"Seite", "Damen", "Herren", "Grüße"} & set(keywords)


def test_idf_table_and_plan_keywords():
    corpus = [TEXT] + [f"Die Gemeinde teilt mit: Sitzung Nummer {i} des Gemeinderats." for i in range(30)]
    df = build_document_frequencies(corpus)
    extractor = KeywordExtractor(df, plan_keywords=["Baugenehmigung", "Bauantrag"])
    keywords = extractor.extract(TEXT)
    assert keywords[0] in ("Baugenehmigung", "Bauantrag")


def test_empty_and_foreign_text():
    assert KeywordExtractor().extract("") == []
    assert isinstance(KeywordExtractor().extract("The quick brown fox jumps over the lazy dog."), list)
