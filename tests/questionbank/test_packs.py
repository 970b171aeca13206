"""Question packs: installed distributions found through their entry points (`questionbank.packs`),
and the one rule for template ids that two packs or bank folders share.

A pack is "installed" here the way pip leaves it: a ``NAME-VERSION.dist-info`` folder with
``METADATA`` and ``entry_points.txt`` next to the package, in a folder on ``sys.path``. Commands
run in a subprocess with that folder on ``PYTHONPATH`` (a pack's solvers register themselves in
the process that imports them). `tests/grader/test_scaffold.py` installs a real pack with pip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from questionbank.bank import load_bank
from questionbank.errors import QuizError, TemplateError
from questionbank.packs import PackError, installed_banks, may_have_packs

ROOT = Path(__file__).resolve().parents[2]

DOUBLE = """\
title: Twice a number
topic: fake
params:
  n: {type: int, min: 1, max: 9}
solver: SOLVER
prompt: What is twice {{ n }}?
parts:
  - id: twice
    type: integer
tests:
  - params: {n: 4}
    expect: {twice: 8}
"""

SOLVERS = """\
from questionbank.solvers import register


@register("MODULE.double", outputs=("twice",))
def double(v):
    return {"twice": 2 * v["n"]}
"""


def install_fake_pack(site: Path, dist: str, module: str, *,
                      templates: dict[str, str] | None = None, bank: str | None = "BANK",
                      solvers: str | None = SOLVERS, init: str = "") -> Path:
    """Lay out `dist` as pip installs it into `site`: the package `module` (its templates under
    ``templates/``, its solvers in ``solvers.py``) and the dist-info with its entry points."""
    package = site / module
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text(
        f"from pathlib import Path\nBANK = Path(__file__).parent / 'templates'\n{init}",
        encoding="utf-8")
    for rel, text in (templates or {}).items():
        path = package / "templates" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("SOLVER", f"{module}.double"), encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-0.1.dist-info"  # as pip names it
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n",
                                   encoding="utf-8")
    entries = ""
    if bank is not None:
        entries += f"[mlquiz.banks]\n{dist} = {module}:{bank}\n"
    if solvers is not None:
        (package / "solvers.py").write_text(solvers.replace("MODULE", module), encoding="utf-8")
        entries += f"[mlquiz.solvers]\n{dist} = {module}.solvers\n"
    (info / "entry_points.txt").write_text(entries, encoding="utf-8")
    return package / "templates"


def mlquiz(site: Path | None, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m grader ARGS`` with the checkout and `site` (the fake installs) on the path."""
    env = {k: v for k, v in os.environ.items() if k != "MLQUIZ_BANK"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *([str(site)] if site else [])])
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


# ------------------------------------------------------------------ discovery (in process)


def test_no_pack_installed_means_no_metadata_scan(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Without any ``mlquiz.*`` entry point on the path, `importlib.metadata` is not needed."""
    monkeypatch.setattr(sys, "path", [str(tmp_path), str(tmp_path / "missing")])
    assert not may_have_packs()
    assert installed_banks() == ([], [])
    install_fake_pack(tmp_path, "fake-one", "fake_one_a")
    assert may_have_packs()


def test_installed_bank_is_found_with_its_distribution_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = install_fake_pack(tmp_path, "fake-one", "fake_one_b", templates={"a.yaml": DOUBLE})
    monkeypatch.syspath_prepend(str(tmp_path))
    banks, errors = installed_banks()
    assert errors == []
    assert [(b.pack, b.entry, b.folder) for b in banks] == \
        [("fake-one", "fake-one = fake_one_b:BANK", folder)]


@pytest.mark.parametrize(("case", "kwargs", "message"), [
    ("module raises", {"init": "raise RuntimeError('boom')\n"},
     "pack 'fake-broken': cannot load entry point mlquiz.banks 'fake-broken = MODULE:BANK': "
     "RuntimeError: boom"),
    ("attribute missing", {"bank": "NOPE"},
     "pack 'fake-broken': cannot load entry point mlquiz.banks 'fake-broken = MODULE:NOPE': "
     "AttributeError: module 'MODULE' has no attribute 'NOPE'"),
])
def test_a_broken_bank_entry_point_is_an_error_naming_the_pack(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, kwargs: dict[str, str],
        message: str) -> None:
    module = "fake_broken_" + case.replace(" ", "_")  # a module name of its own per case
    install_fake_pack(tmp_path, "fake-broken", module, **kwargs)
    monkeypatch.syspath_prepend(str(tmp_path))
    banks, errors = installed_banks()
    assert banks == []
    assert [str(e) for e in errors] == [message.replace("MODULE", module)]
    assert all(isinstance(e, PackError) for e in errors)
    bank = load_bank()  # the built-in bank is still complete
    assert "metrics/confusion-matrix" in bank
    assert [str(p) for p in bank.problems()][:1] == [message.replace("MODULE", module)]


def test_a_bank_entry_point_that_is_not_a_path_is_named(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_pack(tmp_path, "fake-three", "fake_three", init="LEVEL = 3\n", bank="LEVEL")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert [str(e) for e in installed_banks()[1]] == [
        "pack 'fake-three': entry point mlquiz.banks 'fake-three = fake_three:LEVEL' gives a "
        "int, not the path of a template folder"]


# ------------------------------------------------------------------ one id, two packs


def _folder(base: Path, name: str, ids: list[str]) -> Path:
    folder = base / name
    for template_id in ids:
        path = folder / f"{template_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DOUBLE.replace("solver: SOLVER\n", "").replace(
            "parts:\n  - id: twice\n    type: integer\n",
            "parts:\n  - id: twice\n    type: integer\n    answer: 2 * n\n"), encoding="utf-8")
    return folder


def test_two_folders_with_one_id_are_an_error_naming_both_files(tmp_path: Path) -> None:
    first = _folder(tmp_path, "first", ["shared/q", "one"])
    second = _folder(tmp_path, "second", ["shared/q", "two"])
    with pytest.raises(QuizError) as caught:
        load_bank([first, second], use_env=False)
    assert str(caught.value) == (
        f"template id 'shared/q' is in two packs: {first}/shared/q.yaml ({first}) and "
        f"{second}/shared/q.yaml ({second}); rename one, or pass --allow-override to let the "
        "later replace the earlier")
    bank = load_bank([first, second], use_env=False, allow_override=True)
    assert bank.path("shared/q") == second / "shared/q.yaml"
    assert (bank.pack_of("shared/q"), bank.pack_of("one"), bank.pack_of("two")) == \
        (str(second), str(first), str(second))


def test_the_same_folder_twice_is_one_pack(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path, "mine", ["q"])
    monkeypatch.setenv("MLQUIZ_BANK", str(folder))
    assert load_bank([folder, str(folder) + "/"]).pack_of("q") == str(folder)


def test_a_built_in_id_in_a_folder_needs_allow_override(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "mine", ["metrics/confusion-matrix"])
    with pytest.raises(QuizError, match=r"^template id 'metrics/confusion-matrix' is in two "
                       r"packs: bank/metrics/confusion-matrix.yaml \(builtin\) and "):
        load_bank([folder], use_env=False)
    bank = load_bank([folder], use_env=False, allow_override=True)
    assert bank.get("metrics/confusion-matrix").title == "Twice a number"


def test_a_folder_template_cannot_name_an_unknown_solver(tmp_path: Path) -> None:
    """A bank folder holds data only: its template may name an installed solver, never bring
    one; an unknown name is a TemplateError at the file and line."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "q.yaml").write_text(DOUBLE.replace("SOLVER", "mine.double"), encoding="utf-8")
    (folder / "mine.py").write_text("raise SystemExit('a bank folder ran Python')\n")
    with pytest.raises(TemplateError) as caught:
        load_bank([folder], use_env=False).get("q")
    assert str(caught.value) == f"{folder / 'q.yaml'}:5: solver: no solver named 'mine.double'"


# ------------------------------------------------------------------ commands (subprocess)


def test_an_installed_pack_runs_through_list_show_and_check(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_fake_pack(site, "fake-pack", "fake_pack", templates={"fake/double.yaml": DOUBLE})
    listed = mlquiz(site, "list", "--json", "--topic", "fake", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [(r["id"], r["pack"]) for r in json.loads(listed.stdout)] == \
        [("fake/double", "fake-pack")]
    text = mlquiz(site, "list", "--topic", "fake", cwd=tmp_path)
    assert text.stdout == "fake/double  Twice a number  [twice]  (pack: fake-pack)\n"
    assert "1 template; topics: fake; packs: fake-pack" in text.stderr
    shown = mlquiz(site, "show", "fake/double", "--param", "n=7", "--format", "json",
                   cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["parts"][0]["answer"] == 14
    checked = mlquiz(site, "check", "fake/double", "--param", "n=7", "--json", "--", "14",
                     cwd=tmp_path)
    assert json.loads(checked.stdout)["status"] == "correct"


def test_an_installed_pack_that_shadows_a_built_in_id_needs_allow_override(
        tmp_path: Path) -> None:
    site = tmp_path / "site"
    folder = install_fake_pack(site, "fake-pack", "fake_pack",
                               templates={"metrics/confusion-matrix.yaml": DOUBLE})
    refused = mlquiz(site, "show", "metrics/confusion-matrix", cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr == (
        "error: template id 'metrics/confusion-matrix' is in two packs: "
        "bank/metrics/confusion-matrix.yaml (builtin) and "
        f"{folder / 'metrics/confusion-matrix.yaml'} (fake-pack); rename one, or pass "
        "--allow-override to let the later replace the earlier\n")
    allowed = mlquiz(site, "show", "metrics/confusion-matrix", "--allow-override", cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.startswith("Twice a number\n")


def test_a_broken_pack_leaves_the_built_in_bank_listed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_fake_pack(site, "fake-gone", "fake_gone", init="BANK = BANK / 'missing'\n")
    install_fake_pack(site, "fake-bad-solvers", "fake_bad_solvers", bank=None,
                      solvers="raise ImportError('no numpy here')\n")
    listed = mlquiz(site, "list", cwd=tmp_path)
    assert listed.returncode == 1
    assert "metrics/confusion-matrix" in listed.stdout
    gone = site / "fake_gone" / "templates" / "missing"
    assert listed.stderr.splitlines()[-3:] == [
        f"error: pack 'fake-gone': its template folder {gone} does not exist (entry point "
        "mlquiz.banks 'fake-gone = fake_gone:BANK')",
        "error: pack 'fake-bad-solvers': cannot load entry point mlquiz.solvers "
        "'fake-bad-solvers = fake_bad_solvers.solvers': ImportError: no numpy here",
        "2 pack(s) could not be loaded"]
    assert "Traceback" not in listed.stderr
    shown = mlquiz(site, "show", "metrics/confusion-matrix", cwd=tmp_path)
    assert shown.returncode == 0
    assert shown.stderr.splitlines() == [
        f"warning: pack 'fake-gone': its template folder {gone} does not exist (entry point "
        "mlquiz.banks 'fake-gone = fake_gone:BANK')",
        "warning: pack 'fake-bad-solvers': cannot load entry point mlquiz.solvers "
        "'fake-bad-solvers = fake_bad_solvers.solvers': ImportError: no numpy here"]


def test_a_pack_solver_that_takes_a_built_in_name_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_fake_pack(site, "fake-thief", "fake_thief", bank=None, solvers=(
        "from questionbank.solvers import register\n"
        "@register('metrics.confusion', outputs=())\n"
        "def steal(v):\n    return {}\n"))
    shown = mlquiz(site, "show", "metrics/confusion-matrix", cwd=tmp_path)
    assert shown.returncode == 0
    assert shown.stderr == (
        "warning: pack 'fake-thief': cannot load entry point mlquiz.solvers "
        "'fake-thief = fake_thief.solvers': ValueError: solver 'metrics.confusion' registered "
        "twice\n")


def test_a_plain_generate_never_runs_a_folder_template_with_a_built_in_id(
        tmp_path: Path) -> None:
    """Issue 11: a colleague's folder that reuses a built-in id is refused before anything is
    generated, so `generate --bank DIR` asks only what the ids it was given say."""
    from click.testing import CliRunner

    from grader.cli import cli

    folder = _folder(tmp_path, "colleague", ["metrics/confusion-matrix"])
    out = tmp_path / "exam"
    result = CliRunner().invoke(cli, ["generate", "--questions", "metrics/confusion-matrix",
                                      "--count", "1", "--bank", str(folder), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.startswith("error: template id 'metrics/confusion-matrix' is in two "
                                    "packs: bank/metrics/confusion-matrix.yaml (builtin) and ")
    assert not out.exists()
