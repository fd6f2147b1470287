import csv
import re

import pytest
from django.core.management import CommandError, call_command

from genxi.cli import main
from genxi.triage.classifier import Classifier, KeywordClassifier, cross_validate
from genxi.triage.tests.conftest import generated
from genxi.triage.text import bigrams, dice, normalise


def test_normalise_folds_width_script_digits_and_space() -> None:
    assert normalise("３號樓　電梯壞了！！ＷＩＦＩ") == "0号楼 电梯坏了!!wifi"
    assert normalise("  12幢\n\t302室 ") == "0幢 0室"
    assert normalise("") == ""


def test_bigrams_and_dice() -> None:
    a = bigrams(normalise("3号楼电梯坏了"))
    b = bigrams(normalise("電梯又壞了"))
    assert "电梯" in a and "电梯" in b
    assert dice(a, b) == pytest.approx(2 * 2 / (len(a) + len(b)))
    assert dice(a, frozenset()) == 0.0
    assert dice(a, a) == 1.0


def test_classifier_learns_and_ranks_with_probabilities() -> None:
    rows = generated(30)
    model = Classifier().fit([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    assert sorted(model.labels) == sorted({r[2] for r in rows})
    top = model.top("清嘉苑5幢电梯困人", "")
    assert top[0][0] == "电梯维修"
    assert len(top) == 3
    assert top[0][1] > top[1][1] >= top[2][1]
    # Traditional characters and full-width digits read the same.
    assert model.top("清嘉苑５幢電梯困人")[0][0] == "电梯维修"
    rows_p = model.probabilities(["广场舞太吵", "草坪枯黄"], ["", ""])
    assert rows_p.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert Classifier.loads(model.dumps()).predict(["夜间施工"], [""]) == ["噪音扰民"]


def test_a_category_with_one_example_still_trains() -> None:
    model = Classifier().fit(["电梯坏了", "电梯停运", "草坪枯黄"], ["", "", ""], ["a", "a", "b"])
    assert model.top("电梯", k=2)[0][0] == "a"


def test_one_category_is_refused() -> None:
    with pytest.raises(ValueError, match="two categories"):
        Classifier().fit(["电梯坏了", "电梯停运"], ["", ""], ["a", "a"])


def test_keywords_score_title_twice() -> None:
    keywords = KeywordClassifier({"lift": ["电梯"], "noise": ["噪音", "吵"]})
    label, confidence = keywords.top("电梯很吵", "晚上噪音大")[0]
    assert (label, round(confidence, 3)) == ("noise", 0.6)
    assert keywords.top("下水道堵了") == []
    assert KeywordClassifier({"lift": ["電梯"]}).top("电梯")[0][0] == "lift"


def test_cross_validation_reports_per_class_and_macro_f1() -> None:
    rows = generated(20)
    report = cross_validate(
        [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], folds=4, seed=0
    )
    assert report.macro_f1 > 0.9  # the topics are far apart
    assert len(report.labels) == 4 and sum(report.support) == 80
    assert re.fullmatch(r"macro-F1 \d\.\d{3}", report.lines()[-1])
    again = cross_validate(
        [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], folds=4, seed=0
    )
    assert again.macro_f1 == report.macro_f1  # a fixed seed gives the same figure


def test_cross_validation_leaves_out_classes_smaller_than_the_folds() -> None:
    rows = generated(10)
    labels = [r[2] for r in rows] + ["稀有"]
    report = cross_validate(
        [r[0] for r in rows] + ["孤例"], [r[1] for r in rows] + [""], labels, folds=5
    )
    assert report.skipped == {"稀有": 1}
    assert "稀有" not in report.labels


def _write_csv(path, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["编号", "主题", "详情", "分类"])
        for i, (title, details, label) in enumerate(rows):
            writer.writerow([i, title, details, label])


def test_eval_command_prints_the_report_ending_in_macro_f1(tmp_path, capsys) -> None:
    path = tmp_path / "labelled.csv"
    _write_csv(path, generated(15))
    call_command(
        "triage", "eval", "--csv", str(path), "--text-col", "主题,详情", "--label-col", "分类",
        "--folds", "3",
    )  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("60 rows, 4 classes, 3 folds (seed 0)")
    assert any(line.startswith("电梯维修") for line in lines)
    assert re.fullmatch(r"macro-F1 \d\.\d{3}", lines[-1])


def test_eval_command_says_what_is_wrong_with_its_input(tmp_path) -> None:
    path = tmp_path / "labelled.csv"
    _write_csv(path, generated(5))
    args = ["triage", "eval", "--csv", str(path), "--label-col", "分类"]
    with pytest.raises(CommandError, match="no column 正文"):
        call_command(*args, "--text-col", "正文")
    with pytest.raises(CommandError, match="no such file"):
        call_command("triage", "eval", "--csv", str(tmp_path / "x.csv"), "--text-col", "主题",
                     "--label-col", "分类")  # fmt: skip
    (tmp_path / "gbk.csv").write_bytes("主题,分类\n电梯坏了,电梯\n".encode("gbk"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("triage", "eval", "--csv", str(tmp_path / "gbk.csv"), "--text-col", "主题",
                     "--label-col", "分类")  # fmt: skip
    with pytest.raises(CommandError, match="at least 2"):
        call_command(*args, "--text-col", "主题", "--folds", "1")


def test_the_genxi_command_says_what_is_wrong_without_a_traceback(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["triage", "eval", "--csv", str(tmp_path / "none.csv"), "--text-col", "a",
              "--label-col", "b"])  # fmt: skip
    assert stopped.value.code == 1
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'none.csv'}: no such file"
