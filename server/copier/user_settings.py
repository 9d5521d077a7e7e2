"""copier's own user settings file: its `trust` list and its answer `defaults`, honoured as copier 9 honours them.

Where copier looks (copier/_settings.py): `$COPIER_SETTINGS_PATH`, else
`settings.yml` in copier's user configuration folder (platformdirs:
`$XDG_CONFIG_HOME/copier/` on Linux, `~/Library/Application Support/copier/`
on macOS). Both keys are optional:

- `trust`: template sources whose extensions, tasks and migrations may run;
  an entry ending in `/` trusts every source below it. Scion adds them to
  `scion.templates.trusted`.
- `defaults`: answer defaults by question name. As in copier they stand in
  for the template's own default (rendered like it), after the answers given
  now and the project's recorded ones.

The file is the user's (a repository cannot place it), so it may trust. A
file that is not a mapping of those two keys is refused with a message
naming it, as copier refuses it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from server.common.errors import ScionError
from server.templates.safe_yaml import read_bounded_text

ENV_VAR = "COPIER_SETTINGS_PATH"


class CopierSettingsError(ScionError):
    """copier's user settings file cannot be used."""


@dataclass(frozen=True)
class CopierSettings:
    defaults: Mapping[str, Any] = field(default_factory=dict)
    trust: tuple[str, ...] = ()
    path: Path | None = None  # the file read; None when there is none


def copier_settings_path() -> Path:
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured)
    from platformdirs import user_config_path

    return user_config_path("copier", appauthor=False) / "settings.yml"


def load_copier_settings() -> CopierSettings:
    """The user's copier settings (empty when there is no file)."""
    path = copier_settings_path()
    try:
        text = read_bounded_text(path, CopierSettingsError)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return CopierSettings()
    except OSError as error:
        raise CopierSettingsError(
            f"copier's settings file cannot be read: {error.strerror or error}", path=path
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CopierSettingsError(f"copier's settings file is not valid YAML: {error}", path=path) from None
    data = {} if data is None else data
    if not isinstance(data, dict) or set(data) - {"defaults", "trust"}:
        raise CopierSettingsError("copier's settings file may hold only `defaults` and `trust`", path=path)
    defaults = data.get("defaults") or {}
    trust = data.get("trust") or []
    if not isinstance(defaults, dict) or not all(isinstance(key, str) for key in defaults):
        raise CopierSettingsError("`defaults` in copier's settings file must map question names to values", path=path)
    if not isinstance(trust, list) or not all(isinstance(entry, str) for entry in trust):
        raise CopierSettingsError("`trust` in copier's settings file must be a list of sources", path=path)
    return CopierSettings(dict(defaults), tuple(trust), path)
