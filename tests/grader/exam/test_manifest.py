"""The typed exam manifest (`grader.exam.manifest`): loading with located errors, writing, the
stored part as the judge's answer key, and the rebuild states (`grader.exam.rebuild`)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from grader.exam.generate import generate_exam
from grader.exam.manifest import (
    STORED_TYPES,
    Item,
    Manifest,
    StoredPart,
    load_manifest,
    write_manifest,
)
from grader.exam.rebuild import ItemRebuild, Rebuilder, first_items
from grader.judge.check import check_key
from questionbank.api import default_bank
from questionbank.bank import load_bank
from questionbank.errors import InputError
from questionbank.instance import Mistake, generate
from questionbank.tolerance import DEFAULT_TOLERANCE

FAMILIES = "metrics/confusion-matrix,dropout/apply-mask,gradients/layer-shapes," \
           "gradients/matrix-calculus"


@pytest.fixture(scope="module")
def exam_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four students x the four sample families."""
    out = tmp_path_factory.mktemp("manifest")
    generate_exam(out, count=4, seed=31, questions=[FAMILIES], sheets=False)
    return out / "exam.json"


@pytest.fixture(scope="module")
def manifest(exam_path: Path) -> Manifest:
    return load_manifest(exam_path)


# --------------------------------------------------------------------------- reading, writing


def test_loading_and_writing_again_gives_the_same_bytes(exam_path: Path, manifest: Manifest,
                                                        tmp_path: Path) -> None:
    write_manifest(tmp_path / "again.json", manifest)
    assert (tmp_path / "again.json").read_bytes() == exam_path.read_bytes()
    lines = exam_path.read_text(encoding="utf-8").splitlines()
    assert sum(1 for ln in lines if ln.startswith('    {"code": ')) == 4, \
        "one student per line"


def test_the_typed_records_hold_the_manifest(manifest: Manifest) -> None:
    assert (manifest.title, manifest.exam_seed, manifest.format_version) == \
        ("Machine-learning quiz", 31, 1)
    assert [q.template for q in manifest.questions] == FAMILIES.split(",")
    assert [p.column for p in manifest.columns][:4] == ["Q1.accuracy", "Q1.precision",
                                                       "Q1.recall", "Q1.f1"]
    record = manifest.students[2]
    assert record.id == "s003" and len(record.items) == 4
    accuracy = record.items[0].parts[0]
    assert (accuracy.id, accuracy.type, type(accuracy.points)) == ("accuracy", "number", float)
    assert accuracy.mistake_answers and all(type(i) is str for i, _ in
                                            accuracy.mistake_answers)
    grad = record.items[3].parts[0]
    assert grad.type == "expression" and grad.mistake_answers is None


def test_a_manifest_without_stored_mistakes_loads(exam_path: Path, tmp_path: Path) -> None:
    data = json.loads(exam_path.read_text(encoding="utf-8"))
    for student in data["students"]:
        for item in student["items"]:
            for part in item["parts"]:
                part.pop("mistakes", None)
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    old = load_manifest(tmp_path / "old.json")
    assert {p.mistake_answers for s in old.students for i in s.items for p in i.parts} == {None}


def _edit(data: dict[str, Any], edit: str) -> None:
    part = data["students"][3]["items"][1]["parts"][0]
    if edit == "points":
        part["points"] = "1"
    elif edit == "mistakes-text":
        data["students"][3]["items"][0]["parts"][0]["mistakes"] = "x"
    elif edit == "mistake-pair":
        data["students"][3]["items"][0]["parts"][0]["mistakes"][1] = ["a"]
    elif edit == "mistake-id":
        data["students"][3]["items"][0]["parts"][0]["mistakes"][0] = [3, 0.5]
    elif edit == "template-version":
        data["templates"]["dropout/apply-mask"] = "1"
    elif edit == "question-column":
        del data["questions"][0]["parts"][1]["column"]
    elif edit == "duplicate":
        data["students"][2]["id"] = "s001"
    elif edit == "name":
        del data["students"][1]["name"]
    elif edit == "title":
        data["title"] = None
    elif edit == "part-type":
        part["type"] = ["vector"]


@pytest.mark.parametrize(("edit", "message"), [
    ("points", "students[3].items[1].parts[0].points: unexpected value '1'"),
    ("mistakes-text", "students[3].items[0].parts[0].mistakes: unexpected value 'x'"),
    ("mistake-pair", "students[3].items[0].parts[0].mistakes[1]: unexpected value ['a']; "
                     "expected [id, answer]"),
    ("mistake-id", "students[3].items[0].parts[0].mistakes[0]: unexpected value [3, 0.5]; "
                   "expected [id, answer]"),
    ("template-version", "templates.dropout/apply-mask: unexpected value '1'"),
    ("question-column", "questions[0].parts[1]: missing 'column'"),
    ("duplicate", "students[2]: duplicate student id 's001'"),
    ("name", "students[1]: missing 'name'"),
    ("title", "title: unexpected value None"),
    ("part-type", "students[3].items[1].parts[0].type: unexpected value ['vector']"),
])
def test_a_bad_entry_is_named_by_its_path(exam_path: Path, tmp_path: Path, edit: str,
                                          message: str) -> None:
    data = json.loads(exam_path.read_text(encoding="utf-8"))
    _edit(data, edit)
    path = tmp_path / "exam.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_manifest(path)
    assert str(caught.value) == f"{path}: {message}"


def _broken(manifest: dict[str, Any], edit: str) -> dict[str, Any]:
    data = json.loads(json.dumps(manifest))
    item = data["students"][1]["items"][2]
    part = item["parts"][0]
    if edit == "points-text":
        part["points"] = "1"
    elif edit in ("points-negative", "points-huge"):
        part["points"] = -1 if edit == "points-negative" else 1e9
    elif edit == "seed-bool":
        item["seed"] = True
    elif edit == "unlisted":
        item["template"] = "metrics/other"
    elif edit == "no-parts":
        del item["parts"]
    elif edit == "part-not-object":
        item["parts"][0] = "accuracy"
    elif edit == "params-list":
        item["params"] = []
    elif edit == "answer-text-number":
        part["answer_text"] = 0.5
    return data


@pytest.mark.parametrize(("edit", "message"), [
    ("points-text", "students[1].items[2].parts[0].points: unexpected value '1'"),
    ("points-negative", "students[1].items[2].parts[0].points: points must be a number from 0 "
                        "to 1,000,000, got -1"),
    ("points-huge", "students[1].items[2].parts[0].points: points must be a number from 0 to "
                    "1,000,000, got 1000000000.0"),
    ("seed-bool", "students[1].items[2].seed: unexpected value True"),
    ("unlisted", "students[1].items[2]: template 'metrics/other' is not listed under "
                 "\"templates\""),
    ("no-parts", "students[1].items[2]: missing 'parts'"),
    ("part-not-object", "students[1].items[2].parts[0]: missing 'id'"),
    ("params-list", "students[1].items[2].params: unexpected value []"),
    ("answer-text-number", "students[1].items[2].parts[0].answer_text: unexpected value 0.5"),
])
def test_a_broken_manifest_entry_is_named(exam_path: Path, tmp_path: Path, edit: str,
                                          message: str) -> None:
    manifest = json.loads(exam_path.read_text(encoding="utf-8"))
    path = tmp_path / "exam.json"
    path.write_text(json.dumps(_broken(manifest, edit)), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_manifest(path)
    assert str(caught.value) == f"{path}: {message}"


# --------------------------------------------------------------------------- the answer key

#: templates whose parts cover the stored types of the bank: number, integer, vector, shape
#: and matrix (backprop/two-layer's ∂L/∂W₁)
KEY_TEMPLATES = ("metrics/confusion-matrix", "metrics/count-confusion", "dropout/inverted",
                 "optimizers/adam", "gradients/layer-shapes", "backprop/two-layer")


def _answers(part: Any) -> list[str]:
    """Right, mistaken, wrong and unreadable answers to a part."""
    texts = [part.answer_text, "0", "-" + part.answer_text, "[1, 2", "x y z", "3x4"]
    return texts + [m.answer_text for m in part.mistakes]


def _verdict(result: Any) -> tuple[Any, ...]:
    return result.status, result.score, result.feedback, result.mistake, result.read_as


@pytest.mark.parametrize("template_id", KEY_TEMPLATES)
def test_a_stored_part_is_judged_as_the_generated_part(template_id: str) -> None:
    """The judge gives the same verdict, score, feedback and mistake with the key stored in
    the manifest (judged with the item's rules: the template's tolerance) as with the
    generated part."""
    bank = default_bank()
    template = bank.get(template_id)
    seen = set()
    for seed in range(6):
        instance = generate(template, seed)
        item = Item.from_instance(1, instance)
        rebuilder = Rebuilder({template_id: template.version}, bank, {template_id: item})
        stored = rebuilder.stored(item)
        assert stored is not None
        for part, kept in zip(instance.parts, item.parts, strict=True):
            assert kept.complete is (part.type in STORED_TYPES)
            if not kept.complete:
                continue
            seen.add(part.type)
            for text in _answers(part):
                assert _verdict(check_key(kept, text, stored.seed, stored)) == \
                    _verdict(check_key(part, text, instance.seed)), (seed, part.id, text)
            assert stored.usable()
    assert seen


def test_key_templates_cover_every_stored_type() -> None:
    bank = default_bank()
    types = {p.type for t in KEY_TEMPLATES for p in bank.get(t).parts}
    assert types >= STORED_TYPES


class FakeSource:
    """A MistakeSource that records what it was asked for."""

    def __init__(self, mistakes: Sequence[Mistake] | None) -> None:
        self.mistakes = mistakes
        self.asked: list[str] = []

    def mistakes_for(self, part: StoredPart) -> Sequence[Mistake] | None:
        self.asked.append(part.id)
        return self.mistakes


def test_the_answer_key_protocol_of_a_stored_number() -> None:
    instance = generate(default_bank().get("metrics/confusion-matrix"), 4)
    part = instance.part("precision")
    spec = instance.template.part("precision")
    source = FakeSource(part.mistakes)
    key = StoredPart.from_part(part)
    assert key.complete
    assert key.numeric_value == ((), (float(part.answer),))
    assert StoredPart.template_rules(spec) == (spec.tolerance or DEFAULT_TOLERANCE,
                                               spec.partial)
    assert (key.options, key.symbols) == ((), None)
    assert [i for i, _ in key.mistake_values(source)] == [m.id for m in part.mistakes]
    assert [v for _, v in key.mistake_values(source)] == [v for _, v in part.mistake_values]
    assert source.asked == [], "the stored mistakes' values need no rebuilt question"
    assert key.mistake_feedback(source, 1) == part.mistakes[1].feedback
    assert source.asked == ["precision"]
    assert key.mistake_feedback(FakeSource(None), 0) == "", \
        "no feedback when the rebuilt question cannot be used (the verdict is discarded)"


@pytest.mark.parametrize(("ptype", "answer", "shape", "flat"), [
    ("number", 0.5, (), (0.5,)),
    ("number", 2, (), (2.0,)),
    ("vector", [1, 2.5], (2,), (1.0, 2.5)),
    ("matrix", [[1, 2], [3, 4]], (2, 2), (1.0, 2.0, 3.0, 4.0)),
])
def test_numeric_values_of_stored_keys(ptype: str, answer: Any, shape: tuple[int, ...],
                                       flat: tuple[float, ...]) -> None:
    part = StoredPart("p", ptype, answer, str(answer), 1.0)
    assert part.numeric_value == (shape, flat)


@pytest.mark.parametrize(("ptype", "answer"), [
    ("number", "0.5"), ("number", float("nan")), ("number", True), ("integer", 2.0),
    ("vector", []), ("vector", [1, "2"]), ("matrix", [[1, 2], [3]]), ("shape", [0, 3]),
    ("shape", [""]), ("choice", "B"), ("expression", "2*X"),
])
def test_a_key_not_all_in_the_manifest_is_not_complete(ptype: str, answer: Any) -> None:
    """Choice and expression parts, and stored answers of an unexpected form, are judged
    from the rebuilt question instead."""
    assert not StoredPart("p", ptype, answer, "x", 1.0).complete


# --------------------------------------------------------------------------- rebuild states


def _rebuilder(manifest: Manifest, bank: Any = None) -> Rebuilder:
    return Rebuilder(manifest.templates, bank if bank is not None else default_bank(),
                     first_items(manifest))


def _with_part(item: Item, index: int, change: Callable[[StoredPart], StoredPart]) -> Item:
    parts = list(item.parts)
    parts[index] = change(parts[index])
    return dataclasses.replace(item, parts=tuple(parts))


def test_rebuilding_an_unchanged_item_is_ok(manifest: Manifest) -> None:
    item = manifest.students[1].items[0]
    rebuilt = _rebuilder(manifest).rebuild(item)
    assert (rebuilt.state, rebuilt.status, rebuilt.message) == ("ok", "graded", "")
    assert rebuilt.instance is not None
    assert [p.answer_text for p in rebuilt.instance.parts] == \
        [p.answer_text for p in item.parts]


def test_a_changed_key_is_a_changed_state(manifest: Manifest) -> None:
    item = _with_part(manifest.students[1].items[0], 0,
                      lambda p: p._replace(answer=0.5, answer_text="0.5"))
    rebuilt = _rebuilder(manifest).rebuild(item)
    assert (rebuilt.state, rebuilt.status, rebuilt.instance) == ("changed", "key-changed", None)
    assert rebuilt.message.startswith("part accuracy: the template now gives the answer ")
    assert rebuilt.message.endswith("the exam's key says '0.5'; not graded against a "
                                    "different key")


def test_a_missing_template_is_a_changed_state(manifest: Manifest, tmp_path: Path) -> None:
    bank = load_bank([tmp_path], builtin=False, use_env=False)
    rebuilt = _rebuilder(manifest, bank).rebuild(manifest.students[0].items[1])
    assert (rebuilt.state, rebuilt.status) == ("changed", "template-missing")
    assert rebuilt.message.startswith("template dropout/apply-mask cannot be loaded (")
    assert _rebuilder(manifest, bank).stored(manifest.students[0].items[1]) is None


def test_an_item_is_rebuilt_only_when_a_part_needs_it(manifest: Manifest) -> None:
    item = manifest.students[2].items[0]
    stored = _rebuilder(manifest).stored(item)
    assert isinstance(stored, ItemRebuild)
    key = item.parts[0]
    assert key.complete
    check_key(key, item.parts[0].answer_text, stored.seed, stored)
    check_key(key, "0.000123", stored.seed, stored)  # wrong, and no declared mistake
    assert stored.state is None and stored.usable()
    mistaken = key.mistake_answers[0] if key.mistake_answers else None
    assert mistaken is not None
    result = check_key(key, repr(float(mistaken[1])), stored.seed, stored)
    assert result.mistake == mistaken[0] and result.feedback
    assert stored.state is not None and stored.state.state == "ok" and stored.usable()


def test_stored_mistakes_the_template_no_longer_gives_are_a_stale_state(
        manifest: Manifest) -> None:
    """The key is right but a stored mistake is not the template's: the state says so, and
    the grading loop grades the item from the rebuilt question."""
    item = _with_part(manifest.students[3].items[0], 0, lambda p: p._replace(
        mistake_answers=(("made-up", 0.125), *(p.mistake_answers or ())[1:])))
    rebuilder = _rebuilder(manifest)
    stored = rebuilder.stored(item)
    assert stored is not None
    key = item.parts[0]
    assert key.complete
    assert stored.mistake_values(key)[0] == ("made-up", 0.125)
    assert stored.mistake_feedback(key, 0) == ""
    assert stored.state is not None
    assert (stored.state.state, stored.state.status) == ("stale", "graded")
    assert stored.state.instance is not None and not stored.usable()
    assert stored.resolve().state == "stale"


def test_a_template_whose_first_item_changed_has_every_item_rebuilt(
        manifest: Manifest) -> None:
    """The probe: the first item of each template is rebuilt once; when it shows other
    stored mistakes, no item of that template is graded from its stored key."""
    first = first_items(manifest)
    edited = dict(first)
    edited["metrics/confusion-matrix"] = _with_part(
        first["metrics/confusion-matrix"], 1,
        lambda p: p._replace(mistake_answers=()))
    rebuilder = Rebuilder(manifest.templates, default_bank(), edited)
    assert rebuilder.probe("dropout/apply-mask")
    assert not rebuilder.probe("metrics/confusion-matrix")
    assert rebuilder.stored(manifest.students[2].items[0]) is None
    assert rebuilder.stored(manifest.students[2].items[1]) is not None
