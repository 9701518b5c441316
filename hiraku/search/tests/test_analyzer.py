from hiraku.search.analyzer import index_text, normalized_query, query_phrases


def test_width_and_case_variants_normalise_to_one_form():
    assert index_text("ＡＥＤ") == index_text("AED") == "aed"
    assert index_text("ｶﾅ") == index_text("カナ")
    assert index_text("ﾊﾞｽ停") == index_text("バス停")


def test_japanese_runs_become_bigrams_then_unigrams():
    assert index_text("公園") == "公園 公 園"
    assert index_text("駅") == "駅"
    assert index_text("避難所") == "避難 難所 避 難 所"


def test_mixed_scripts_split_into_runs():
    assert index_text("AED設置") == "aed 設置 設 置"
    assert index_text("Wi-Fi スポット") == "wi fi スポ ポッ ット ス ポ ッ ト"


def test_query_words_become_phrases_to_and():
    assert query_phrases("駅") == [("駅",)]
    assert query_phrases("バス") == [("バス",)]
    assert query_phrases("避難所　一覧") == [("避難", "難所"), ("一覧",)]
    assert query_phrases("ＡＥＤ設置") == [("aed",), ("設置",)]


def test_punctuation_only_query_has_no_terms():
    assert query_phrases("*:* 「」") == []
    assert normalized_query("  ") == ""


def test_normalized_query_ignores_width():
    assert normalized_query("ＡＥＤ 公園") == normalized_query("aed 公園")
