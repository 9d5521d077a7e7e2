"""Edit folding: frequent edits of literal template text are written back; others are not."""

from __future__ import annotations

from server.evolution.analysis import analyse_edits
from server.evolution.folding import edits_to_fold, fold
from server.templates.loader import load_template
from server.templates.render import render_template

from .histories import add_docstring, add_note, both, exclaim, greeter, history, strip_return


def folded_render(tmp_path, template, generations, answers):
    analysis = analyse_edits(template, generations)
    candidate = fold(template, edits_to_fold(analysis, len(generations)), len(generations), tmp_path / "scratch")
    assert candidate is not None
    folded = load_template(candidate.folder, "workspace", template.id)
    return render_template(folded, answers, {}).primary.text, candidate


def test_an_edit_most_users_make_is_folded_and_generalised(tmp_path):
    template = greeter(tmp_path / "root")
    generations = history(template, [add_docstring] * 8 + [None] * 2)

    text, candidate = folded_render(tmp_path, template, generations, {"name": "wave", "message": "hi"})

    assert text == 'def wave():\n    """Greet from wave."""\n    value = "hi"\n    return value\n'
    source = (candidate.folder / "files" / "block.py.jinja").read_text()
    assert '"""Greet from {{ name }}."""' in source
    assert "8 of 10 generations" in candidate.changes[0]


def test_a_renamed_literal_is_folded(tmp_path):
    template = greeter(tmp_path / "root")
    generations = history(template, [strip_return] * 7 + [None] * 3)

    text, _ = folded_render(tmp_path, template, generations, {"name": "wave", "message": "hi"})

    assert text.endswith("    return value.strip()\n")


def test_an_edit_made_by_three_users_in_ten_is_not_folded(tmp_path):
    template = greeter(tmp_path / "root")
    generations = history(template, [both(strip_return, add_note)] * 3 + [strip_return] * 5 + [None] * 2)

    analysis = analyse_edits(template, generations)
    chosen = edits_to_fold(analysis, len(generations))

    assert [len(e.generation_ids) for e in chosen] == [8]
    assert all("# reviewed" not in e.edit.text for e in chosen)
    assert any("# reviewed" in e.edit.text for e in analysis.edits)  # seen, just not frequent enough


def test_an_edit_of_a_line_an_expression_produced_is_not_folded(tmp_path):
    template = greeter(tmp_path / "root")
    generations = history(template, [exclaim] * 9 + [None])

    analysis = analyse_edits(template, generations)

    assert analysis.edits == []
    assert edits_to_fold(analysis, len(generations)) == []
    assert sum(count for _, count in analysis.line_changes) == 9  # still evidence for the LLM
    assert fold(template, [], 10, tmp_path / "scratch") is None


def test_two_frequent_edits_are_folded_together(tmp_path):
    template = greeter(tmp_path / "root")
    generations = history(template, [both(add_docstring, strip_return)] * 9 + [None])

    text, candidate = folded_render(tmp_path, template, generations, {"name": "wave", "message": "hi"})

    assert text == 'def wave():\n    """Greet from wave."""\n    value = "hi"\n    return value.strip()\n'
    assert len(candidate.changes) == 2


def test_jinja_syntax_typed_by_users_stays_literal(tmp_path):
    template = greeter(tmp_path / "root")
    generations = history(template, [lambda text, answers: text + "# {{ not a variable }}\n"] * 10)

    text, _ = folded_render(tmp_path, template, generations, {"name": "wave", "message": "hi"})

    assert text.endswith("# {{ not a variable }}\n")


def test_whitespace_next_to_a_stripping_tag_survives_folding(tmp_path):
    source = 'def {{ name }}():\n    value = "{{ message }}"\n{%- if true %}\n    return value\n{%- endif %}\n'
    template = greeter(tmp_path / "root", source)
    generations = history(
        template, [lambda text, answers: text.replace("    return value\n", "    return value\n    # done\n")] * 10
    )

    text, _ = folded_render(tmp_path, template, generations, {"name": "wave", "message": "hi"})

    assert text == 'def wave():\n    value = "hi"\n    return value\n    # done\n'


def test_inserted_blocks_stored_re_indented_are_traced(tmp_path):
    template = greeter(tmp_path / "root")
    generations = history(template, [strip_return] * 10)
    indented = [
        g.__class__(
            g.id,
            g.answers,
            g.features,
            "".join("    " + line for line in g.rendered_text.splitlines(keepends=True)).rstrip("\n"),
            "".join("    " + line for line in g.retained_text.splitlines(keepends=True)).rstrip("\n"),
            g.accepted,
        )
        for g in generations
    ]

    analysis = analyse_edits(template, indented)

    assert analysis.traced == 10
    assert len(edits_to_fold(analysis, 10)) == 1
