"""Edit folding: frequent edits of literal template text are written back; others are not."""

from __future__ import annotations

from server.evolution.analysis import HistoricalGeneration, analyse_edits
from server.evolution.folding import edits_to_fold, fold
from server.templates.loader import load_template
from server.templates.render import render_template

from .histories import add_docstring, add_note, both, exclaim, greeter, history, strip_return


def folded_render(tmp_path, template, generations, answers):
    analysis = analyse_edits(template, generations)
    candidate = fold(template, edits_to_fold(analysis), tmp_path / "scratch")
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
    chosen = edits_to_fold(analysis)

    assert [len(e.generation_ids) for e in chosen] == [8]
    assert all("# reviewed" not in e.edit.text for e in chosen)
    assert any("# reviewed" in e.edit.text for e in analysis.edits)  # seen, just not frequent enough


def test_an_edit_of_a_line_an_expression_produced_is_not_folded(tmp_path):
    template = greeter(tmp_path / "root")
    generations = history(template, [exclaim] * 9 + [None])

    analysis = analyse_edits(template, generations)

    assert analysis.edits == []
    assert edits_to_fold(analysis) == []
    assert sum(count for _, count in analysis.line_changes) == 9  # still evidence for the LLM
    assert fold(template, [], tmp_path / "scratch") is None


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
    assert len(edits_to_fold(analysis)) == 1


WORKER = """def {{ name }}():
    value = "{{ message }}"
    retries = 0
    timeout = None
    return value
{% if message.startswith("log") %}
print("{{ name }} done")
{% endif %}
"""


def worker_history(template, edits_by_index):
    """Generations answered name=job_<i>; messages starting with "log" for i % 5 < 3 (60% of them)."""
    generations = []
    for index, edit in enumerate(edits_by_index):
        answers = {"name": f"job_{index}", "message": ("log " if index % 5 < 3 else "quiet ") + str(index)}
        rendered = render_template(template, answers, {}).primary.text
        kept = rendered if edit is None else edit(rendered, answers)
        generations.append(HistoricalGeneration(f"gen-{index:02d}", answers, {}, rendered, kept, True))
    return generations


def two_new_lines(text: str, answers: dict) -> str:
    return text.replace("    retries = 0\n    timeout = None\n", "    attempts: list[int] = []\n    deadline = 30.0\n")


def test_two_lines_replaced_by_two_unlike_lines_are_folded_as_one_edit(tmp_path):
    template = greeter(tmp_path / "root", WORKER)
    generations = worker_history(template, [two_new_lines] * 9 + [None] * 3)

    text, candidate = folded_render(tmp_path, template, generations, {"name": "go", "message": "quiet"})

    assert text.startswith(
        'def go():\n    value = "quiet"\n    attempts: list[int] = []\n    deadline = 30.0\n    return value\n'
    )
    assert len(candidate.changes) == 1 and "9 of 12 generations" in candidate.changes[0]


def test_insertions_at_two_places_are_folded_together(tmp_path):
    def header_and_footer(text: str, answers: dict) -> str:
        text = text.replace("    retries = 0\n", "    # tuned by the team\n    retries = 0\n")
        return text.replace("    timeout = None\n", "    timeout = None\n    # checked in review\n")

    template = greeter(tmp_path / "root", WORKER)
    generations = worker_history(template, [header_and_footer] * 10 + [None] * 2)

    text, candidate = folded_render(tmp_path, template, generations, {"name": "go", "message": "quiet"})

    assert "    # tuned by the team\n    retries = 0\n" in text
    assert "    timeout = None\n    # checked in review\n    return value\n" in text
    assert len(candidate.changes) == 2


def test_an_edit_is_counted_only_where_the_output_had_the_edited_text(tmp_path):
    def louder(text: str, answers: dict) -> str:
        return text.replace(' done")\n', ' finished", flush=True)\n')

    template = greeter(tmp_path / "root", WORKER)
    # 12 of the 20 outputs print (the "log" ones); 10 of those 12 users changed the print: 83% where it
    # applies, but only 50% of all generations.
    edits = []
    for index in range(20):
        printing = index % 5 < 3
        edits.append(louder if printing and len([e for e in edits if e is louder]) < 10 else None)
    generations = worker_history(template, edits)

    analysis = analyse_edits(template, generations)
    [chosen] = edits_to_fold(analysis)

    assert (len(chosen.generation_ids), len(chosen.applicable_ids)) == (10, 12)
    text, _ = folded_render(tmp_path, template, generations, {"name": "go", "message": "log it"})
    assert 'print("go finished", flush=True)\n' in text


def test_touching_edits_are_both_folded_but_two_insertions_at_one_point_are_not(tmp_path):
    template = greeter(tmp_path / "root", WORKER)
    first = history_with(template, lambda t, a: t.replace("    retries = 0\n", "    retries = 3\n"))
    analysis = analyse_edits(template, first)
    assert len(edits_to_fold(analysis)) == 1

    def before_return(marker):
        return lambda t, a: t.replace("    return value\n", f"    # {marker}\n    return value\n")

    generations = worker_history(template, [before_return("a")] * 6 + [before_return("b")] * 6)
    analysis = analyse_edits(template, generations)
    assert len(analysis.edits) == 2
    assert edits_to_fold(analysis, share=0.4) == [analysis.edits[0]]


def history_with(template, edit, count=10):
    return worker_history(template, [edit] * count)
