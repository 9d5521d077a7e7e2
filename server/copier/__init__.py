"""copier templates and copier projects, as they are: copier 9's semantics, Scion's trust and upgrades.

A folder or git repository with `copier.yml` is a template (source.py: where it
comes from and its versions; config.py: its settings and questions). A run
(session.py) asks the questions (answers.py, questions.py) and renders the
template into a value (render.py, with copier's Jinja environment from
jinja.py); writers take that value (copy.py for a new project, update.py for
an upgrade of an existing one). Code from the template (extensions, tasks,
migrations) runs only when trust.py allows it (tasks.py). No LSP types here.
"""
