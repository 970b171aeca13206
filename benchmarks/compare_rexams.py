"""mlquiz against R/exams on the same work, whole processes:
``python benchmarks/compare_rexams.py [--pairs N]``.

When ``Rscript`` can load the ``exams`` package (CRAN), each row runs both tools in turn
(mlquiz, R, mlquiz, R, ... ``--pairs`` times: pairing keeps each ratio fair while a shared
machine's speed drifts) and prints both medians and the median of the pair ratios R/mlquiz.
Otherwise it prints mlquiz's medians next to the R/exams medians measured in issue 17
(R/exams 2.4-2 on R 4.2.2, on a 2-core machine), marked as a reference, with mlquiz's CPU
seconds too: on a busy machine wall time is inflated, and a ratio against a figure measured
another day is only a rough guide.

The work (R's side written the R/exams way, with exercises of the same shape):

1. one exercise (the confusion matrix: 4 numeric answers) x 100 variants to HTML;
2. 10 questions from 4 exercises x 100 students to HTML (mlquiz also writes the keys);
3. grading 10,000 numeric answers (2,500 students x 4): an ``exams_eval`` loop against
   ``mlquiz grade --no-pages``, and mlquiz with its html+md feedback pages;
4. start-up: ``library(exams)`` against ``mlquiz --help``.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_targets import GENERATE_QUESTIONS, child_env, make_classes, run_once

#: R/exams medians from issue 17's table (whole processes, seconds)
REFERENCE = {"one": 2.29, "ten": 23.5, "grade": 2.12, "pages": 1.25, "start": 0.56}

#: One numeric cloze exercise in R/exams' Rmd format; FAMILY varies it into 4 exercises.
EXERCISE = """\
```{r, echo = FALSE, results = "hide"}
tp <- sample(20:90, 1); fp <- sample(5:60, 1); fn <- sample(5:60, 1); tn <- sample(200:900, 1)
acc <- (tp + tn) / (tp + fp + fn + tn); prec <- tp / (tp + fp); rec <- tp / (tp + fn)
f1 <- 2 * prec * rec / (prec + rec)
```

Question
========
Exercise FAMILY. A classifier's confusion matrix has TP = `r tp`, FP = `r fp`, FN = `r fn`
and TN = `r tn`. Give the accuracy, precision, recall and F1 score.

Answerlist
----------
* Accuracy
* Precision
* Recall
* F1

Solution
========
Accuracy $(TP + TN)/N$ = `r round(acc, 4)`, precision $TP/(TP + FP)$ = `r round(prec, 4)`,
recall $TP/(TP + FN)$ = `r round(rec, 4)`, F1 = `r round(f1, 4)`.

Meta-information
================
exname: confusion FAMILY
extype: cloze
exclozetype: num|num|num|num
exsolution: `r round(acc, 4)`|`r round(prec, 4)`|`r round(rec, 4)`|`r round(f1, 4)`
extol: 0.01
"""

#: The grading loop: each student's 4 answers against their keys with `exams_eval`.
GRADE_R = """\
library(exams)
ev <- exams_eval(partial = FALSE, negative = FALSE)
d <- read.csv(commandArgs(TRUE)[1], colClasses = "character")
points <- numeric(nrow(d))
for (i in seq_len(nrow(d))) for (j in 1:4) {
  answer <- suppressWarnings(as.numeric(d[i, paste0("a", j)]))
  if (is.na(answer)) next
  points[i] <- points[i] + ev$pointsum(as.numeric(d[i, paste0("k", j)]), answer,
                                       tolerance = 0.01, type = "num")
}
write.csv(data.frame(student = d$student, points = points), commandArgs(TRUE)[2],
          row.names = FALSE)
"""


def have_rexams() -> bool:
    """Whether ``Rscript`` is on the PATH and loads the exams package."""
    if shutil.which("Rscript") is None:
        return False
    return subprocess.run(["Rscript", "-e", "library(exams)"], capture_output=True).returncode == 0


def run_r(script: str, *args: str) -> float:
    """Wall seconds of ``Rscript -e SCRIPT ARGS`` (a failure stops the comparison)."""
    start = time.perf_counter()
    done = subprocess.run(["Rscript", "-e", script, *args], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"Rscript failed:\n{done.stderr}")
    return wall


def r_exercises(work: Path) -> list[Path]:
    """Four exercise files, the same shape with a different name each."""
    files = []
    for family in range(1, 5):
        path = work / f"confusion{family}.Rmd"
        path.write_text(EXERCISE.replace("FAMILY", str(family)), encoding="utf-8")
        files.append(path)
    return files


def r_grading_input(exam: Path, answers: Path, out: Path) -> Path:
    """The class's keys and answers as one CSV for R: student, k1..k4, a1..a4."""
    manifest = json.loads(exam.read_text(encoding="utf-8"))
    keys = {s["id"]: [p["answer"] for p in s["items"][0]["parts"]] for s in manifest["students"]}
    with answers.open(encoding="utf-8", newline="") as source, \
            out.open("w", encoding="utf-8", newline="") as target:
        rows = csv.reader(source)
        next(rows)
        writer = csv.writer(target)
        writer.writerow(["student", "k1", "k2", "k3", "k4", "a1", "a2", "a3", "a4"])
        for row in rows:
            writer.writerow([row[0], *map(repr, keys[row[0]]), *row[1:5]])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5, help="runs of each tool per row")
    args = parser.parse_args(argv)
    with_r = have_rexams()
    print("mlquiz against R/exams, whole processes, medians of "
          f"{args.pairs} {'alternate pairs' if with_r else 'runs'}")
    if not with_r:
        print("(Rscript with the exams package is not available here: the R/exams column is "
              "the median measured in issue 17, for reference)")
    with tempfile.TemporaryDirectory(prefix="mlquiz-rexams-") as tmp:
        work = Path(tmp)
        env = child_env(work / "pycache")
        cm_exam, cm_answers = make_classes(work)["cm"]
        exercises = [str(p) for p in r_exercises(work)]
        grading_csv = r_grading_input(cm_exam, cm_answers, work / "r-grading.csv")
        for folder in ("r-one", "r-ten"):
            (work / folder).mkdir()
        ten = [exercises[i % 4] for i in range(10)]
        r_vector = "c(" + ", ".join(f'"{p}"' for p in ten) + ")"
        rows: list[tuple[str, str, list[str], Callable[[], float]]] = [
            ("1 exercise x 100 variants to HTML", "one",
             ["generate", "--count", "100", "--seed", "1", "--questions",
              "metrics/confusion-matrix", "--format", "html", "--force", "--out",
              str(work / "one")],
             lambda: run_r(f'library(exams); exams2html("{exercises[0]}", n = 100, '
                           f'dir = "{work / "r-one"}", name = "q")')),
            ("10 questions x 100 students to HTML", "ten",
             ["generate", "--count", "100", "--seed", "1", "--questions", GENERATE_QUESTIONS,
              "--format", "html", "--force", "--out", str(work / "ten")],
             lambda: run_r(f'library(exams); exams2html({r_vector}, n = 100, '
                           f'dir = "{work / "r-ten"}", name = "q")')),
            ("grade 10,000 answers, --no-pages vs exams_eval loop", "grade",
             ["grade", str(cm_exam), str(cm_answers), "--no-pages", "--out", str(work / "g1")],
             lambda: run_r(GRADE_R, str(grading_csv), str(work / "r-points.csv"))),
            ("grade 10,000 answers, with html+md pages", "pages",
             ["grade", str(cm_exam), str(cm_answers), "--out", str(work / "g2")],
             lambda: run_r(GRADE_R, str(grading_csv), str(work / "r-points.csv"))),
            ("start-up: mlquiz --help vs library(exams)", "start", ["--help"],
             lambda: run_r("library(exams)")),
        ]
        print(f"{'work':<54} {'mlquiz':>8} {'R/exams':>9} {'R/mlquiz':>9}")
        for label, key, command, r_run in rows:
            run_once(command, env)  # warm-up
            ours, cpus, theirs, ratios = [], [], [], []
            for _ in range(args.pairs):
                timing = run_once(command, env)
                ours.append(timing.wall)
                cpus.append(timing.cpu)
                if with_r:
                    theirs.append(r_run())
                    ratios.append(theirs[-1] / ours[-1])
            mine = statistics.median(ours)
            if with_r:
                r_median, ratio = statistics.median(theirs), statistics.median(ratios)
                print(f"{label:<54} {mine:7.2f}s {r_median:8.2f}s {ratio:8.1f}x", flush=True)
            else:
                reference = REFERENCE[key]
                print(f"{label:<54} {mine:7.2f}s {reference:7.2f}s* {reference / mine:8.1f}x"
                      f"   (mlquiz cpu {statistics.median(cpus):.2f}s)", flush=True)
        if not with_r:
            print("* R/exams median from issue 17's table, not measured now")


if __name__ == "__main__":
    main()
