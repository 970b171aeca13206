"""The parts of ``summary.html`` made in Python: the score histogram (an inline SVG), the
table of parts, the most frequent mistakes and the rows and questions that need attention,
written by ``templates/summary.html.j2`` as they are.

Why not in the template: the page is rendered once per grading run, so its template is
compiled on every run, and compiling costs by the expression: without the first three pieces
(46 of its 59 expressions, 5 of its 6 loops) the template compiled in 3.1 ms instead of 9.1
(best of 15), and the last one, an included template of its own, took 4.0 ms more whenever
there was anything to list (a note about the submissions is enough); making them all here
takes 0.1 ms. Every text from outside (a column's name, a mistake's id,
feedback) is escaped here (`markupsafe.escape`), and a feedback example is rendered as the
template's ``md`` filter renders it.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from grader.exam.outcomes import RowStatus, score_text
from grader.exam.stats import ClassStats, PartStats

__all__ = ["SMALL_SAMPLE", "attention_html", "histogram_svg", "mistakes_html", "parts_rows",
           "shown"]

#: Fewer graded students than this: the summary says its statistics are unreliable.
SMALL_SAMPLE = 10
#: Size and margins of the histogram, in SVG pixels.
_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP = 520, 232, 36, 40, 12


def shown(x: float | None, digits: int) -> str:
    """A statistic as the summary shows it: `digits` decimals at most, ``-`` when undefined."""
    return score_text(x, digits) if x is not None else "-"


def histogram_svg(stats: ClassStats) -> Markup:
    """The histogram of the students' percentages: a bar per bin, its count above it, the
    ticks of the count axis (0, half the highest bar and the highest)."""
    width, height, left, bottom, top = _WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP
    bins = stats.histogram
    peak = max((b.count for b in bins), default=0) or 1
    bar = (width - left - 8) / len(bins)
    lines = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Histogram of the '
             f'students\' percentage scores">\n',
             "  <title>Score distribution (number of students per 10% band; the last band "
             "includes 100%)</title>\n",
             f'  <line x1="{left}" y1="{height - bottom}" x2="{width - 4}" '
             f'y2="{height - bottom}" stroke="#333"/>\n']
    for tick in sorted({0, peak, peak // 2}):
        y = round(height - bottom - (height - bottom - top) * tick / peak, 1)
        lines.append(f'  <text x="{left - 6}" y="{y + 4}" text-anchor="end">{tick}</text>\n'
                     f'  <line x1="{left - 3}" y1="{y}" x2="{left}" y2="{y}" stroke="#333"/>\n')
    for i, b in enumerate(bins):
        h = (height - bottom - top) * b.count / peak
        y = round(height - bottom - h, 1)
        cx = round(left + i * bar + bar / 2, 1)
        lines.append(
            f'  <rect class="bin" x="{round(left + i * bar + 2, 1)}" y="{y}" '
            f'width="{round(bar - 4, 1)}" height="{round(h, 1)}"><title>{b.low}-{b.high}%: '
            f'{b.count} student{"s" if b.count != 1 else ""}</title></rect>\n'
            + (f'<text x="{cx}" y="{y - 3}" text-anchor="middle">{b.count}</text>'
               if b.count else "")
            + f'  <text x="{cx}" y="{height - bottom + 14}" text-anchor="middle">'
              f'{b.low}\u2013{b.high}</text>\n')
    lines.append(f'  <text x="{(width + left) / 2}" y="{height - bottom + 26}" '
                 'text-anchor="middle">score (%)</text>\n</svg>')
    return Markup("".join(lines))


#: The part statuses the table of parts counts, one column each.
_SHOWN_STATUSES = ("correct", "incorrect", "invalid", "blank")


def parts_rows(parts: tuple[PartStats, ...]) -> Markup:
    """The rows of the table of parts: points, answers (``*``: too few), difficulty with its
    bar, discrimination, and the count of each of `_SHOWN_STATUSES`."""
    rows = []
    for p in parts:
        correct, incorrect, invalid, blank = (p.statuses.get(s, 0) for s in _SHOWN_STATUSES)
        width = round(100 * p.difficulty) if p.difficulty is not None else 0
        rows.append(
            f"  <tr><td>{escape(p.column)}</td><td>{score_text(p.points)}</td>"
            f"<td>{p.n}{'*' if p.n < SMALL_SAMPLE else ''}</td>"
            f"<td>{shown(p.difficulty, 2)}</td>\n"
            f'    <td><span class="bar" style="width: {width}px"></span></td>\n'
            f"    <td>{shown(p.discrimination, 2)}</td><td>{correct}</td><td>{incorrect}</td>\n"
            f"    <td>{invalid}</td><td>{blank}</td></tr>\n")
    return Markup("".join(rows))


def mistakes_html(parts: tuple[PartStats, ...]) -> Markup:
    """A table of the most frequent mistakes per part that has any, with the feedback of one
    of them as an example (several lines as they are, else as Markdown)."""
    from grader.pages import md_html

    tables = []
    for p in parts:
        if not p.mistakes:
            continue
        rows = "".join(
            f"  <tr><td><code>{escape(m.mistake)}</code></td><td>{m.count}</td>"
            f"<td>{score_text(100 * m.share, 1)}%</td><td class=\"example\">"
            # str(): a `Markup` added to text would escape the text
            + (f"<pre>{escape(m.example)}</pre>" if "\n" in m.example
               else str(md_html(m.example)))
            + "</td></tr>\n" for m in p.mistakes)
        tables.append(
            f"<h3>{escape(p.column)}</h3>\n<table class=\"grid\">\n"
            "  <thead><tr><th>Mistake</th><th>Students</th><th>Share</th>"
            "<th>Example feedback</th></tr></thead>\n"
            f"  <tbody>\n{rows}  </tbody>\n</table>\n")
    return Markup("".join(tables) or "<p>No mistakes: every graded answer was correct.</p>\n")


#: At most this many students without a submission are named (all are in ``report.json``).
_NAMED = 50


def attention_html(notes: list[str], item_problems: list[tuple[int, str, str, str]],
                   no_submission: list[str], problems: list[RowStatus], more_problems: int
                   ) -> Markup:
    """The section of what needs attention: the notes about the submissions, the questions
    that could not be graded (number, template, status, message), the students without a
    submission, and the rows that were not graded (`more_problems`: how many more there are
    than `problems` lists)."""
    html = []
    if notes:
        html.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>\n")
    if item_problems:
        html.append(_table(("Question", "Template", "Status", "Why"), [
            (f"Q{number}", template, status, message)
            for number, template, status, message in item_problems]))
    if no_submission:
        n = len(no_submission)
        more = f" and {n - _NAMED} more" if n > _NAMED else ""
        html.append(f"<p>No submission from {n} student{'s' if n != 1 else ''}: "
                    f"{escape(', '.join(no_submission[:_NAMED]))}{more}.</p>\n")
    if problems:
        html.append(_table(("Line", "Student", "Status", "Message"), [
            (r.where[5:] if r.record is None else r.where,
             r.student if r.student is not None else "", r.status, r.message)
            for r in problems]))
        if more_problems:
            html.append(f"<p>{more_problems} more rows are listed in report.json.</p>")
    if not problems and not no_submission:
        html.append("<p>Every student's row was graded.</p>\n")
    return Markup("".join(html))


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A table of text cells (escaped), its rows on one line."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return (f'<table class="grid">\n  <thead><tr>{head}</tr></thead>\n  <tbody>\n'
            f"{body}  </tbody>\n</table>\n")
