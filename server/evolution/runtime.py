"""Helpers that every learned program carries inside its own source.

A learned program must run in the sandbox with nothing but str methods and `re`,
so `Program.to_python` copies the case conversions (`server/templates/casing.py`,
which the template filters use too) and this module's code (everything below
each docstring) into the file it writes. Keep it self-contained: public names
only, no imports but `re`, and annotations that name only what the sandbox has
(the context's is quoted: `object` is not one of them).
"""


def lower(text: str) -> str:
    return text.lower()


def upper(text: str) -> str:
    return text.upper()


def feature(ctx: "dict[str, object]", name: str) -> str:
    """A text feature of the editing context; `folder` is the folder's own name."""
    value = ctx.get(name)
    if not isinstance(value, str):
        return ""
    if name == "folder":
        return value.replace("\\", "/").rstrip("/").split("/")[-1]
    return value


def folders(ctx: "dict[str, object]") -> list[str]:
    """The folders of the file's path relative to the workspace, outermost first."""
    rel_path = ctx.get("rel_path")
    if isinstance(rel_path, str) and rel_path:
        return [part for part in rel_path.replace("\\", "/").split("/")[:-1] if part]
    listed = ctx.get("path_segments")
    segments = [part for part in listed if isinstance(part, str) and part] if isinstance(listed, (list, tuple)) else []
    stem, extension = feature(ctx, "stem"), feature(ctx, "extension").lstrip(".")
    if segments and stem and segments[-1] in (stem, stem + "." + extension):
        return segments[:-1]
    return segments


def module_parts(ctx: "dict[str, object]") -> list[str]:
    """The folders plus the file's stem: `lib/my_app/user.ex` -> lib, my_app, user."""
    return [*folders(ctx), feature(ctx, "stem")]


def item(values: list[str], index: int) -> str:
    """One element, or "" when the path is too short (a learned program never raises)."""
    if -len(values) <= index < len(values):
        return values[index]
    return ""
