import pytest

from pipeline.normalise import is_traditional, normalise
from pipeline.sentences import split_sentences

CASES = [
    # (raw, normalised, what)
    ("累计签约 37个项目(协议),总投资425.9亿元", "累计签约37个项目(协议),总投资425.9亿元", "OCR space between characters"),
    ("总投资１２亿元，在长葛", "总投资12亿元,在长葛", "full-width digits and comma"),
    ("签订总投资9\n亿元的中骏世界城项目", "签订总投资9亿元的中骏世界城项目", "line break inside an amount"),
    ("上海电气\n集团将围绕产业发展", "上海电气集团将围绕产业发展", "line break inside a company name"),
    ("E-mail:xcrbzbs@sina.com\n\n电话:4396809\n\n今年以来,我市签约", "今年以来,我市签约", "header lines dropped"),
    ("客商签约合作项目。本报记者 乔利峰 摄\n\n正文一句。", "正文一句。", "photo caption dropped"),
    ("本报记者 王金伟\n\n正文。", "正文。", "by-line dropped"),
    ("第一段。\n\n\n\n第二段。", "第一段。\n\n第二段。", "blank lines collapsed"),
    ("标题一行\n正文第一句。", "标题一行正文第一句。", "a line without an end mark is joined"),
    ("第一句。\n第二句。", "第一句。\n\n第二句。", "a line ending with 。 keeps its break"),
    ("項(xiàng)目簽(qiān)約", "项目签约", "converter pinyin removed, traditional converted"),
    ("該縣簽約項目總投資億元", "该县签约项目总投资亿元", "traditional characters converted"),
    ("Made in China 2025", "Made in China 2025", "spaces between Latin words kept"),
    ("投资　5亿元", "投资5亿元", "ideographic space"),
]


@pytest.mark.parametrize("raw,expected,what", CASES, ids=[c[2] for c in CASES])
def test_normalise(raw, expected, what):
    assert normalise(raw) == expected


def test_traditional_detection_needs_traditional_characters():
    assert is_traditional("項目簽約")
    assert not is_traditional("项目签约总投资5亿元")


def test_normalise_is_idempotent_on_the_sample():
    from pathlib import Path
    raw = (Path(__file__).resolve().parent.parent / "corpora" / "xuchang-daily-2020-12.txt").read_text(encoding="utf-8")
    once = normalise(raw)
    assert normalise(once) == once
    assert "E-mail" not in once and "乔利峰" not in once
    assert "累计签约37个项目(协议),总投资425.9亿元。" in once


def test_sentences_cover_the_text_and_split_at_end_marks():
    text = normalise("今年以来,全县签约项目12个。其中亿元以上项目5个!\n\n揽金88亿! 我县6个项目集中签约")
    sents = split_sentences(text)
    assert [s.text for s in sents] == ["今年以来,全县签约项目12个。", "其中亿元以上项目5个!", "揽金88亿!我县6个项目集中签约"]
    for s in sents:
        assert text[s.start:s.end] == s.text
    assert [s.paragraph for s in sents] == [0, 0, 1]


def test_closing_quote_stays_with_its_sentence():
    sents = split_sentences("他说:“已签约项目26个。”市商务局表示。")
    assert sents[0].text == "他说:“已签约项目26个。”"


def test_two_interleaved_columns_are_read_one_after_the_other():
    raw = ("鄢陵县与深圳市华誉冷 招商引资是\"一把手工程\",也是 链物流有限公司签订了总 \"一号工程\"。笔者以为,招商不能 "
           "投资6亿元的华中冷链物 只盯着签约数字,更要在落地上 流中心项目,建成后年营 下功夫,让客商进得来、留得住。 业额可达20亿元。")
    assert normalise(raw) == ("鄢陵县与深圳市华誉冷链物流有限公司签订了总投资6亿元的华中冷链物流中心项目,建成后年营业额可达20亿元。"
                              "招商引资是\"一把手工程\",也是\"一号工程\"。笔者以为,招商不能只盯着签约数字,更要在落地上下功夫,让客商进得来、留得住。")


def test_a_single_column_with_layout_spaces_keeps_its_order():
    raw = ("招商引资,是一个地区产业转型升级的重要抓手, 更是一座城市发展的后劲所在。有人形象地说,在区域 "
           "经济发展中,客商是\"船\",招商就是借\"船\";资金是 \"风\",引资就是乘\"风\"。")
    assert normalise(raw) == raw.replace(" ", "")


@pytest.mark.parametrize("raw,expected", [
    ("总投资1?.6亿元", "总投资1\ufffd.6亿元"),
    ("襄?县与东方集团签约", "襄\ufffd县与东方集团签约"),
    ("该项为何花落许昌?除了长葛", "该项为何花落许昌?除了长葛"),
    ("项目进展如何?记者了解到", "项目进展如何?记者了解到"),
])
def test_a_lost_character_is_marked_but_a_question_mark_stays(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("集中签约开工1 6个项目总投资8 2.4亿元", "集中签约开工16个项目总投资82.4亿元"),
    ("签订了总投资1\n2亿元的新能源项目", "签订了总投资12亿元的新能源项目"),
    ("Made in China 2025", "Made in China 2025"),
])
def test_numbers_broken_by_ocr_are_joined(raw, expected):
    assert normalise(raw) == expected
