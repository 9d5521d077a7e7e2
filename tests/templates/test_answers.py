import pytest

from server.common.errors import AnswerError
from server.templates.answers import AnswerProviders, Candidate, ask_params, ask_payload, resolve_answers

from .helpers import DATACLASS_QUESTIONS, load

MANIFEST = (
    "title: Python dataclass\n"
    + DATACLASS_QUESTIONS
    + """\
  token:
    secret: true
    placeholder: paste it
"""
)


@pytest.fixture
def template(tmp_path):
    return load(tmp_path, MANIFEST, {"a.py.jinja": "x"})


def names(pending):
    return [p.question.name for p in pending]


def _offering(name):
    """A provider that proposes `From<Name>` for class_name and nothing else."""
    value = "From" + name.title().replace("_", "")
    return lambda template, question, answers, features: (
        Candidate(value, name) if question.name == "class_name" else None
    )


def test_each_source_wins_over_the_sources_after_it(template):
    everything = {
        "learned_program": _offering("learned_program"),
        "learned_default": _offering("learned_default"),
        "llm": _offering("llm"),
    }
    context = {"stem": "order_item"}

    def winner(features, explicit=None, **providers):
        resolution = resolve_answers(template, features, explicit or {}, AnswerProviders(**providers))
        return resolution.answers.get("class_name"), resolution.sources.get("class_name")

    assert winner(context, {"class_name": "Mine"}, **everything) == ("Mine", "explicit")
    assert winner(context, **everything) == ("FromLearnedProgram", "learned_program")
    del everything["learned_program"]
    assert winner(context, **everything) == ("FromLearnedDefault", "learned_default")
    del everything["learned_default"]
    assert winner(context, **everything) == ("OrderItem", "context")
    assert winner({}, **everything) == ("FromLlm", "llm")  # no file stem: the context default cannot render
    assert winner({}) == (None, None)


def test_walks_in_order_with_sources(template):
    resolution = resolve_answers(template, {"stem": "order_item"}, {"frozen": "yes"})
    assert resolution.answers == {"class_name": "OrderItem", "module": "order_item", "frozen": True, "kind": "plain"}
    assert resolution.sources == {"class_name": "context", "module": "default", "frozen": "explicit", "kind": "default"}
    assert resolution.skipped == ["fields"]
    assert resolution.missing == ["token"]
    assert names(resolution.pending) == ["class_name", "module", "kind", "token"]
    assert not resolution.complete


def test_explicit_answers_are_coerced_and_validated(template):
    with pytest.raises(AnswerError, match="'frozen' expects yes/no"):
        resolve_answers(template, {}, {"frozen": "perhaps"})
    with pytest.raises(AnswerError, match="not a Python identifier") as caught:
        resolve_answers(template, {}, {"class_name": "9 lives"})
    assert caught.value.question == "class_name"


def test_unknown_explicit_answer_is_refused(template):
    with pytest.raises(AnswerError, match="no question 'clas_name'"):
        resolve_answers(template, {}, {"clas_name": "X"})


def test_default_over_a_missing_context_is_asked(template):
    resolution = resolve_answers(template, {}, {})
    assert resolution.missing == ["class_name", "module", "token"]
    assert "class_name" not in resolution.answers


def test_providers_in_priority_order(template):
    calls = []

    def provider(source, value, settled=False):
        def answer(t, question, answers_so_far, features):
            calls.append((source, question.name))
            if question.name == "class_name" and value is not None:
                return Candidate(value, source, 0.9, settled)
            return None

        return answer

    providers = AnswerProviders(
        learned_program=provider("learned_program", None),
        learned_default=provider("learned_default", "Learned"),
        llm=provider("llm", "FromLlm"),
    )
    resolution = resolve_answers(template, {"stem": "ctx_name"}, {}, providers)
    assert resolution.answers["class_name"] == "Learned"
    assert resolution.sources["class_name"] == "learned_default"
    assert ("llm", "class_name") not in calls  # a better source answered: the LLM is not called
    assert resolution.answers["module"] == "learned"
    # llm comes after context but before the plain default
    assert resolution.sources["kind"] == "default" and ("llm", "kind") in calls


def test_settled_candidates_are_not_asked(template):
    program = lambda t, q, a, f: (
        Candidate("Settled", "learned_program", 0.95, settled=True) if q.name == "class_name" else None
    )
    resolution = resolve_answers(template, {}, {}, AnswerProviders(learned_program=program))
    assert resolution.sources["class_name"] == "learned_program"
    assert "class_name" not in names(resolution.pending)
    assert resolution.answers["module"] == "settled"


def test_invalid_or_failing_candidates_fall_through(template):
    def broken(t, q, a, f):
        raise RuntimeError("LLM timed out")

    stale = lambda t, q, a, f: Candidate("not valid!", "learned_default") if q.name == "class_name" else None
    resolution = resolve_answers(template, {"stem": "order"}, {}, AnswerProviders(learned_default=stale, llm=broken))
    assert resolution.answers["class_name"] == "Order" and resolution.sources["class_name"] == "context"


def test_with_user_answers_marks_user_and_keeps_confirmed_sources(template):
    resolution = resolve_answers(template, {"stem": "order_item"}, {})
    answered = resolution.with_user_answers(
        {
            "class_name": "Invoice",
            "module": "order_item",
            "kind": "slots",
            "frozen": "no",
            "fields": "id: int",
            "token": "t",
        }
    )
    assert answered.answers["class_name"] == "Invoice"
    assert answered.sources["class_name"] == "user"
    # the user kept what was shown for module, so it keeps the source it was shown with
    assert answered.sources["module"] == "default"
    assert answered.sources["frozen"] == "default" and answered.sources["fields"] == "default"
    assert answered.sources["kind"] == "user"
    assert answered.pending == [] and answered.missing == [] and answered.complete


def test_with_user_answers_reevaluates_later_defaults_and_when(template):
    resolution = resolve_answers(template, {}, {})
    answered = resolution.with_user_answers({"class_name": "HTTPServer", "frozen": True})
    assert answered.answers["module"] == "http_server"
    assert "fields" in answered.skipped and "fields" not in answered.answers
    assert answered.missing == ["token"]
    assert names(answered.pending) == ["module", "kind", "token"]


def test_with_user_answers_validates(template):
    resolution = resolve_answers(template, {"stem": "x"}, {})
    with pytest.raises(AnswerError, match="not a Python identifier"):
        resolution.with_user_answers({"class_name": "no way"})
    with pytest.raises(AnswerError, match="not one of the choices"):
        resolution.with_user_answers({"kind": "dataclass"})


def test_with_user_answers_keeps_explicit_answers(template):
    resolution = resolve_answers(template, {"stem": "x"}, {"class_name": "Fixed"})
    answered = resolution.with_user_answers({"class_name": "Ignored", "token": "t"})
    assert answered.answers["class_name"] == "Fixed" and answered.sources["class_name"] == "explicit"


def test_providers_are_not_called_again_when_nothing_changed(template):
    calls = []

    def llm(t, q, a, f):
        calls.append(q.name)
        return None

    resolution = resolve_answers(template, {"stem": "x"}, {}, AnswerProviders(llm=llm))
    before = len(calls)
    resolution.with_user_answers({"token": "t"})
    assert len(calls) == before


def test_ask_payload(template):
    resolution = resolve_answers(template, {"stem": "order"}, {})
    payload = {item["name"]: item for item in ask_payload(resolution)}
    assert list(payload) == ["class_name", "module", "frozen", "fields", "kind", "token"]
    assert payload["class_name"] == {
        "name": "class_name",
        "type": "str",
        "help": "Name of the class",
        "choices": None,
        "default": "Order",
        "secret": False,
        "multiselect": False,
        "placeholder": "",
    }
    assert payload["kind"]["choices"] == [{"label": "Plain", "value": "plain"}, {"label": "Slots", "value": "slots"}]
    assert (
        payload["token"]["secret"]
        and payload["token"]["default"] is None
        and payload["token"]["placeholder"] == "paste it"
    )
    params = ask_params(resolution)
    assert params["title"] == "Python dataclass" and params["templateId"] == "demo" and len(params["questions"]) == 6
