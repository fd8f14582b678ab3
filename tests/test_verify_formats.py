"""verify's reports for Jupyter, terminals, CI, Gradescope and a class, on records made here
(no target is checked: each test reads what a format makes of known records)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from gradlab.conformance.batch import TargetResult
from gradlab.conformance.formats.cases import test_cases as cases_of
from gradlab.conformance.formats.github import escape_data, escape_property, to_github
from gradlab.conformance.formats.gradescope import SCORES, to_gradescope
from gradlab.conformance.formats.html import HTML_COLOURS, to_html
from gradlab.conformance.formats.junit import to_junit
from gradlab.conformance.formats.locations import locate
from gradlab.conformance.formats.summary import (
    class_summary,
    format_summary,
    write_summary_csv,
)
from gradlab.conformance.formats.terminal import print_report, use_colour
from gradlab.conformance.records import Record
from gradlab.conformance.report import format_report, json_records
from gradlab.conformance.results import VerifyReport

LARGE = "softmax(np.array([1010.0, 1000.0, 990.0]))"


def _result(root, label="alice", bad=True) -> TargetResult:
    (root / "functions.py").write_text("\n" * 10)
    (root / "old.py").write_text("\n" * 3)

    def rec(check, status, message="ok", function=None, definition="functions.py:6",
            role="headline", counterexample=None):
        function = function or check.split(".")[0]
        return Record(check, label, status, message, counterexample, function, definition,
                      role=role, seconds=0.25)

    return TargetResult(label, "dir", str(root), str(root), [
        Record("sandbox", label, "pass", "in force: network", function="(sandbox)"),
        Record("load:functions.py", label, "pass", "loaded 2 definition(s)",
               function="(load)", definition="functions.py"),
        rec("sigmoid.values", "pass", definition="functions.py:2"),
        rec("softmax.vector", "pass"),
        rec("softmax.large", "fail" if bad else "pass",
            "wrong values: returned nan <at> 100% (expected 0.99)", counterexample=LARGE),
        rec("softmax.vector", "warn", "an earlier version", definition="old.py:2",
            role="progression"),
        rec("relu.defined", "skip", "not implemented (looked for relu)", definition=""),
    ], seconds=1.5)


@pytest.fixture
def result(tmp_path):
    return _result(tmp_path)


def test_cases_are_named_function_check_with_the_definition_when_a_name_has_several(result):
    names = [c.name for c in cases_of(result)]
    assert names == ["sandbox", "load:functions.py", "sigmoid::values",
                     "softmax::vector[functions.py:6]", "softmax::large[functions.py:6]",
                     "softmax::vector[old.py:2]", "relu::defined"]
    large = cases_of(result)[4]
    assert large.location.path == f"{result.root}/functions.py" and large.location.line == 6


def test_repeated_names_are_made_unique():
    records = [Record("x.a", "t", "pass", "", function="x")] * 3
    names = [c.name for c in cases_of(TargetResult("t", "dir", "", "", records))]
    assert names == ["x::a", "x::a#2", "x::a#3"]


@pytest.mark.parametrize("text, line, cell", [
    ("functions.py:6", 6, None), ("functions.py:6 (as smax)", 6, None),
    ("nb.ipynb cell 3, line 2", None, 3), ("functions.py", None, None)])
def test_locate_reads_every_form_of_definition(tmp_path, text, line, cell):
    (tmp_path / "functions.py").write_text("")
    (tmp_path / "nb.ipynb").write_text("{}")
    where = locate(text, str(tmp_path))
    assert where.path.startswith(str(tmp_path)) and where.line == line and where.cell == cell


def test_locate_names_no_file_that_is_not_there(tmp_path):
    assert locate("missing.py:3", str(tmp_path)) is None
    assert locate("", str(tmp_path)) is None
    assert locate("functions.py:3", "") is None


def test_junit_has_a_testcase_per_record_with_failures_and_skips(result, tmp_path,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    result.records[4].details = "bad byte \x00 here"  # not allowed in XML 1.0
    root = ET.fromstring(to_junit([result]))
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"),
            suite.get("skipped")) == ("7", "1", "0", "1")
    assert root.get("tests") == "7"
    case = suite.find("testcase[@name='softmax::large[functions.py:6]']")
    assert case.get("file") == "functions.py" and case.get("line") == "6"
    failure = case.find("failure")
    assert LARGE in failure.text and "\ufffd" in failure.text
    assert failure.get("message").startswith("wrong values")
    assert suite.find("testcase[@name='relu::defined']/skipped") is not None
    warned = suite.find("testcase[@name='softmax::vector[old.py:2]']")
    assert warned.find("failure") is None and "an earlier version" in \
        warned.find("system-out").text


def test_github_annotates_each_definition_with_problems_at_its_line(result, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path.parent))
    lines = to_github([result]).splitlines()
    assert len(lines) == 2  # the failing softmax, the warning progression
    error, warning = lines
    assert error.startswith(f"::error file={tmp_path.name}/functions.py,line=6,title=")
    assert warning.startswith(f"::warning file={tmp_path.name}/old.py,line=2,")
    message = error.split("::", 2)[2]
    assert "%0A" in message and "\n" not in message and "100%25" in message
    assert LARGE in message


def test_github_escapes_what_its_syntax_reserves():
    assert escape_data("50%\r\nx") == "50%25%0D%0Ax"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"


def test_github_is_empty_when_nothing_needs_attention(tmp_path):
    assert to_github([_result(tmp_path, bad=False)]).count("::error") == 0


def test_gradescope_scores_each_check_by_severity(result):
    out = json.loads(json.dumps(to_gradescope([result])))
    tests = {t["name"]: t for t in out["tests"]}
    assert "sandbox" not in tests  # a protection in force is not a test
    assert tests["softmax::large[functions.py:6]"]["score"] == SCORES["fail"] == 0
    assert tests["softmax::large[functions.py:6]"]["status"] == "failed"
    assert LARGE in tests["softmax::large[functions.py:6]"]["output"]
    assert tests["softmax::vector[old.py:2]"]["score"] == SCORES["warn"] == 0.5
    assert tests["relu::defined"]["status"] == "failed" and tests["relu::defined"]["score"] == 0
    assert all(t["max_score"] == 1.0 for t in out["tests"])
    assert out["score"] == 2.5  # sigmoid, softmax.vector, half a warning
    assert "softmax" in out["output"]


def test_gradescope_shows_a_lost_target_as_a_test_worth_nothing():
    lost = TargetResult("bob", "dir", "", "", [Record("target", "bob", "error", "timed out",
                                                      function="(target)")])
    (test,) = to_gradescope([lost])["tests"]
    assert test["max_score"] == 0 and test["status"] == "failed"


def test_html_colours_statuses_and_folds_counterexamples(result):
    html = to_html([result])
    assert HTML_COLOURS["fail"][1] in html and ">FAIL<" in html
    assert "<details><summary>" in html and "softmax(np.array([1010.0" in html
    assert "&lt;at&gt;" in html and "<at>" not in html  # the learner's text is escaped
    assert "<code>functions.py:6</code>" in html
    assert "not implemented: relu" in html


def test_html_of_several_targets_starts_with_the_class_summary(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    html = to_html([_result(a, "a"), _result(b, "b", bad=False)])
    assert html.index("verdict") < html.index("<details><summary>a</summary>")


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_colour_only_on_a_terminal_without_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_colour(_Tty()) and not use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(_Tty())
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setenv("TERM", "dumb")
    assert not use_colour(_Tty())


def test_terminal_table_is_coloured(result, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    out = _Tty()
    print_report([result], verbose=True, file=out)
    text = out.getvalue()
    assert "\x1b[1;31mFAIL" in text  # bold red
    assert "softmax" in text and LARGE in text and "functions.py:6" in text


def test_summary_has_a_row_per_target_a_column_per_name_and_totals(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    lost = TargetResult("c", "dir", "", "", [Record("target", "c", "error",
                                                    "verify stopped after 9 s",
                                                    function="(target)")])
    results = [_result(a, "a"), _result(b, "b", bad=False), lost]
    summary = class_summary(results)
    assert summary.names == ["sigmoid", "softmax"] and summary.unused == ["relu"]
    assert [r.verdict for r in summary.rows] == ["FAIL", "ok", "ERROR"]
    assert summary.rows[0].statuses["softmax"] == "FAIL"
    assert summary.rows[2].note.startswith("target: verify stopped")
    totals = summary.totals()
    assert totals[:4] == ["total", "1/3 ok", "2/3", "1/3"]
    assert totals[4:9] == [5, 2, 1, 0, 2]  # pass, warn, fail, error, skip
    text = format_summary(results)
    assert "not implemented by any: relu" in text and "1/3 ok" in text


def test_summary_csv_has_one_row_per_target(tmp_path):
    a = tmp_path / "a"
    a.mkdir()
    write_summary_csv(tmp_path / "s.csv", [_result(a, "a")])
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    assert len(rows) == 1
    assert rows[0]["submission"] == "a" and rows[0]["verdict"] == "fail"
    assert rows[0]["softmax"] == "fail" and rows[0]["fail"] == "1"


def test_report_object_filters_and_formats(result):
    report = VerifyReport([result])
    assert len(report) == 7 and list(report)[2].check == "sigmoid.values"
    assert not report.ok and report.exit_code == 1
    assert [r.check for r in report.filter("fail")] == ["softmax.large"]
    assert len(report.filter(check="softmax.*")) == 3
    assert len(report.filter(status={"warn", "skip"})) == 2
    assert len(report.filter(where=lambda r: r.definition == "old.py:2")) == 1
    assert report.failures.records == report.filter("fail").records
    assert report.filter(function="sigmoid").ok
    assert str(report) == format_report(result.records)
    assert report.to_json() == json_records(result.records)
    assert repr(report) == "<VerifyReport of 1 target: 2 pass, 1 warn, 1 fail, 1 skip>"
    assert "FAIL" in report._repr_html_()


def test_report_object_refuses_what_it_cannot_mean(result):
    report = VerifyReport([result])
    with pytest.raises(TypeError, match="report.ok"):
        bool(report)
    with pytest.raises(ValueError, match="status must be one of"):
        report.filter("failed")
    with pytest.raises(TypeError, match="glob pattern"):
        report.filter(check=3)
