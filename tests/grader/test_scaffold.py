"""``mlquiz new-pack``: the files it writes, the names it refuses, and (slow) the scaffolded
pack installed with pip into a fresh virtual environment, then used by mlquiz's commands.

The install needs no network: ``pip install --no-index --no-deps --no-build-isolation`` builds
the pack with the setuptools of this environment (a test extra), which the new environment sees
through a ``.pth`` file, while the pack itself goes into the new environment's site-packages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.scaffold import pack_names

ROOT = Path(__file__).resolve().parents[2]

FILES = ["README.md", "pyproject.toml", "src/intro_ml/__init__.py", "src/intro_ml/solvers.py",
         "src/intro_ml/templates/intro-ml/softmax-top.yaml", "tests/test_intro_ml.py"]


def test_new_pack_writes_a_package_with_both_entry_points(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["new-pack", "intro-ml", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "intro-ml"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == FILES
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points."mlquiz.banks"]\nintro-ml = "intro_ml:BANK"' in pyproject
    assert '[project.entry-points."mlquiz.solvers"]\nintro-ml = "intro_ml.solvers"' in pyproject
    assert f"wrote {root / 'pyproject.toml'}" in result.output
    assert f"pip install -e {root}" in result.output


def test_the_scaffolded_template_names_the_scaffolded_solver(tmp_path: Path) -> None:
    CliRunner().invoke(cli, ["new-pack", "My.Pack", "--out", str(tmp_path)])
    template = tmp_path / "My.Pack/src/my_pack/templates/my-pack/softmax-top.yaml"
    assert "solver: my_pack.softmax\n" in template.read_text(encoding="utf-8")
    assert '@register("my_pack.softmax"' in \
        (tmp_path / "My.Pack/src/my_pack/solvers.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "message"), [
    ("1st", "cannot name a pack '1st': use letters, digits and single '-', '_' or '.' between "
            "them, starting with a letter (at most 60 characters), e.g. intro-ml"),
    ("a--b", "cannot name a pack 'a--b': use letters"),
    ("class", "cannot name a pack 'class': its module 'class' is a reserved name"),
    ("Grader", "cannot name a pack 'Grader': its module 'grader' is a reserved name"),
    ("json", "cannot name a pack 'json': a module named 'json' is already importable here, and "
             "one would hide the other; choose another name"),
])
def test_a_name_that_cannot_name_a_pack_is_a_usage_error(tmp_path: Path, name: str,
                                                         message: str) -> None:
    result = CliRunner().invoke(cli, ["new-pack", name, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert list(tmp_path.iterdir()) == []


def test_new_pack_never_writes_into_an_existing_folder(tmp_path: Path) -> None:
    (tmp_path / "intro-ml").mkdir()
    result = CliRunner().invoke(cli, ["new-pack", "intro-ml", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (f"error: {tmp_path / 'intro-ml'} already exists; choose another "
                             "name or another --out folder\n")
    assert list((tmp_path / "intro-ml").iterdir()) == []


def test_pack_names() -> None:
    names = pack_names("Intro.ML_2")
    assert (names.name, names.module, names.slug) == ("Intro.ML_2", "intro_ml_2", "intro-ml-2")


# ------------------------------------------------------------------ installed for real (slow)


def _venv(tmp_path: Path) -> Path:
    """A new virtual environment that also sees this one's packages (pip, setuptools, numpy,
    ...) through a ``.pth`` file; what pip installs goes into its own site-packages."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"], check=True,
                             capture_output=True, text=True, timeout=60).stdout.strip()
    outer = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in outer)
    (Path(purelib) / "_outer_environment.pth").write_text(lines, encoding="utf-8")
    return python


def _run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MLQUIZ_BANK"}
    env.update(PYTHONPATH=str(ROOT), PIP_DISABLE_PIP_VERSION_CHECK="1", NO_COLOR="1")
    return subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
def test_a_scaffolded_pack_installs_and_runs_through_show_check_and_generate(
        tmp_path: Path) -> None:
    python = _venv(tmp_path)
    made = _run(python, "-m", "grader", "new-pack", "intro-ml", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    pip = _run(python, "-m", "pip", "install", "--no-index", "--no-deps", "--no-build-isolation",
               "--no-cache-dir", "./intro-ml", cwd=tmp_path)
    assert pip.returncode == 0, pip.stdout + pip.stderr

    def mlquiz(*args: str) -> subprocess.CompletedProcess[str]:
        result = _run(python, "-m", "grader", *args, cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    rows = json.loads(mlquiz("list", "--json", "--topic", "intro-ml").stdout)
    assert [(r["id"], r["pack"]) for r in rows] == [("intro-ml/softmax-top", "intro-ml")]
    fixed = ("--param", "z=[1.0, 2.0, 0.0]")
    shown = json.loads(mlquiz("show", "intro-ml/softmax-top", *fixed, "--format", "json").stdout)
    assert [p["answer"] for p in shown["parts"]] == [2, pytest.approx(0.665240955775, rel=1e-9)]
    right = json.loads(mlquiz("check", "intro-ml/softmax-top", *fixed, "--part", "top_prob",
                              "--json", "--", "0.6652").stdout)
    assert (right["status"], right["score"]) == ("correct", 1.0)
    wrong = json.loads(mlquiz("check", "intro-ml/softmax-top", *fixed, "--part", "top_prob",
                              "--json", "--", "1.987").stdout)
    assert (wrong["status"], wrong["mistake"]) == ("incorrect", "others-only")
    mlquiz("generate", "--questions", "intro-ml/softmax-top", "--count", "2", "--seed", "1",
           "--out", "exam")
    manifest = json.loads((tmp_path / "exam" / "exam.json").read_text(encoding="utf-8"))
    items = [item for s in manifest["students"] for item in s["items"]]
    assert {item["template"] for item in items} == {"intro-ml/softmax-top"}
    mlquiz("validate", "--strict", "--template", "intro-ml/softmax-top")
    own = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path / "intro-ml")
    assert own.returncode == 0, own.stdout + own.stderr
