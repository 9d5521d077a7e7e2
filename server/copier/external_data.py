"""copier's `_external_data`: named YAML files of the project, read when a template first uses them.

```yaml
_external_data:
  parent: "{{ parent_answers_file }}"       # templated; relative to the destination
```

`_external_data.parent.some_key` in a question's default or a template reads
the file (once per run, when first used: its path may depend on answers), as
copier does; a missing file is an empty mapping. The files belong to the
project, so they are untrusted: each path must stay inside the destination
(server/common/confine.py, which also refuses a symlink out of it; copier lets
`--trust` lift this, Scion does not), and the YAML is read bounded in size,
nesting and aliases (server/templates/safe_yaml.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from server.common.confine import inside_workspace
from server.common.errors import PathEscapeError, TemplateError
from server.templates.safe_yaml import read_bounded_text, untrusted, yaml_problem


class ExternalData(Mapping[str, Any]):
    """The `_external_data` of one run: name -> the parsed file, loaded on first access and kept."""

    def __init__(self, paths: Mapping[str, Any], render: Callable[[str], str], destination: Path) -> None:
        self._paths = {str(name): str(path) for name, path in paths.items()}
        self._render = render
        self._destination = destination
        self._loaded: dict[str, Any] = {}
        self._loading: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            raw = self._paths[name]  # KeyError: Jinja renders an unknown name as undefined
            if name in self._loading:  # its path (or the answers file's) needs the file itself
                raise TemplateError(f"_external_data.{name}: its path depends on its own content")
            self._loading.add(name)
            try:
                self._loaded[name] = load_external_file(self._destination, self._render(raw), name)
            finally:
                self._loading.discard(name)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def forget(self) -> None:
        """Read the files again when next used (the answers they are named by may have changed)."""
        self._loaded.clear()


def load_external_file(destination: Path, relative: str, name: str) -> Any:
    """The YAML at `destination/relative` (an empty mapping when there is none), confined to the destination."""
    what = f"_external_data.{name} path"
    try:
        path = Path(inside_workspace(destination, destination / relative, what=what))
    except PathEscapeError as error:
        raise PathEscapeError(f"{error}; _external_data may only read files of the project") from None
    try:
        text = read_bounded_text(path, TemplateError)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return {}
    try:
        return untrusted(YAML(typ="safe", pure=True)).load(text)
    except YAMLError as error:
        problem, line = yaml_problem(error)
        raise TemplateError(f"_external_data.{name}: {problem}", path=path, line=line) from None
