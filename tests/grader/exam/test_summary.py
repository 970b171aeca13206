"""The pieces of ``summary.html`` made in Python: text from outside is escaped, a feedback
example is shown as Markdown or, with several lines, as it is; the histogram has a bar and a
label per bin and a count over each bar that is not empty; what needs attention is listed, or
that every row was graded."""

from __future__ import annotations

import re

from grader.exam.outcomes import RowStatus
from grader.exam.stats import Bin, ClassStats, MistakeCount, PartStats
from grader.exam.summary import attention_html, histogram_svg, mistakes_html, parts_rows


def _part(column: str, mistakes: tuple[MistakeCount, ...] = (), n: int = 20) -> PartStats:
    return PartStats(column=column, points=1.0, n=n, difficulty=0.25, discrimination=None,
                     statuses={"correct": 5, "incorrect": 15}, mistakes=mistakes)


def test_text_from_outside_is_escaped_and_an_example_shown_as_markdown_or_as_it_is() -> None:
    mistakes = (MistakeCount("<swap>", 9, 0.45, "Swapped *rows* & columns <b>."),
                MistakeCount("caret", 3, 0.15, "unexpected 'x'\n  x<y\n  ^"))
    html = str(mistakes_html((_part("Q1.<a>", mistakes), _part("Q2.b"))))
    assert "<h3>Q1.&lt;a&gt;</h3>" in html and "Q2.b" not in html  # a part without mistakes
    assert "<code>&lt;swap&gt;</code></td><td>9</td><td>45%</td>" in html
    assert "<em>rows</em> &amp; columns &lt;b&gt;." in html
    assert "<pre>unexpected &#39;x&#39;\n  x&lt;y\n  ^</pre>" in html
    assert "<b>" not in html


def test_no_mistakes_at_all_is_said() -> None:
    assert str(mistakes_html((_part("Q1.a"),))) == \
        "<p>No mistakes: every graded answer was correct.</p>\n"


def test_a_part_with_few_answers_is_starred_and_its_difficulty_drawn() -> None:
    rows = str(parts_rows((_part("Q1.<a>", n=4), _part("Q1.b"))))
    assert "<td>Q1.&lt;a&gt;</td><td>1</td><td>4*</td><td>0.25</td>" in rows
    assert "<td>Q1.b</td><td>1</td><td>20</td>" in rows
    assert rows.count('style="width: 25px"') == 2 and "<td>-</td>" in rows


def test_the_histogram_has_a_bar_per_bin_and_counts_over_the_bars_that_are_not_empty() -> None:
    bins = tuple(Bin(10 * i, 10 * i + 10, count) for i, count in
                 enumerate([0, 1, 0, 0, 0, 4, 0, 0, 0, 2]))
    stats = ClassStats(n=7, mean=50.0, median=55.0, stdev=10.0, minimum=15.0, maximum=95.0,
                       histogram=bins, parts=())
    svg = str(histogram_svg(stats))
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert len(re.findall(r'<rect class="bin"', svg)) == 10
    assert "<title>10-20%: 1 student</title>" in svg and "<title>50-60%: 4 students</title>" in svg
    assert re.findall(r'text-anchor="middle">(\d+)</text>', svg) == ["1", "4", "2"]
    assert [int(t) for t in re.findall(r'text-anchor="end">(\d+)</text>', svg)] == [0, 2, 4]


def test_what_needs_attention_is_listed_escaped_with_the_first_50_students_named() -> None:
    rows = [RowStatus(4, "<s1>", "unknown-student", "not in the roster"),
            RowStatus(2, None, "malformed-row", "a quote is never closed", record=3)]
    html = str(attention_html(["a <note>"], [(2, "x/<y>", "key-changed", "the key changed")],
                              [f"s{i}" for i in range(53)], rows, 7))
    assert "<ul><li>a &lt;note&gt;</li></ul>" in html
    assert "<tr><td>Q2</td><td>x/&lt;y&gt;</td><td>key-changed</td>" in html
    assert "No submission from 53 students: s0, s1," in html and "s49 and 3 more.</p>" in html
    assert "<tr><td>4</td><td>&lt;s1&gt;</td><td>unknown-student</td>" in html
    assert "<tr><td>record 3 (line 2)</td><td></td><td>malformed-row</td>" in html
    assert html.endswith("<p>7 more rows are listed in report.json.</p>")
    assert "Every student" not in html


def test_nothing_to_list_says_every_row_was_graded() -> None:
    assert str(attention_html([], [], [], [], 0)) == "<p>Every student's row was graded.</p>\n"
    assert str(attention_html(["a note"], [], [], [], 0)).endswith(
        "<p>Every student's row was graded.</p>\n")
