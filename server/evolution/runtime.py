"""Helpers that every learned program carries inside its own source.

A learned program must run in the sandbox with nothing but str methods and `re`,
so `Program.to_python` copies this module's code (everything below this
docstring) into the file it writes. Keep it self-contained: public names only,
no imports but `re`, and annotations that name only what the sandbox has
(the context's is quoted: `object` is not one of them). The case conversions must agree with
`server/templates/filters.py`, which the DSL evaluates with; a property test
checks that they do.
"""

import re

SEPARATORS = re.compile(r"[\W_]+")


def split_case(chunk: str) -> list[str]:
    """`orderItem` -> order, Item; `HTTPServer` -> HTTP, Server; after a digit only a capitalised word starts."""
    found = []
    start = 0
    for i in range(1, len(chunk)):
        prev, cur = chunk[i - 1], chunk[i]
        next_is_lower = i + 1 < len(chunk) and chunk[i + 1].islower()
        if cur.isupper() and (prev.islower() or ((prev.isdigit() or prev.isupper()) and next_is_lower)):
            found.append(chunk[start:i])
            start = i
    found.append(chunk[start:])
    return found


def words(text: str) -> list[str]:
    return [word for chunk in SEPARATORS.split(str(text)) if chunk for word in split_case(chunk)]


def snake(text: str) -> str:
    return "_".join(word.lower() for word in words(text))


def upper_snake(text: str) -> str:
    return "_".join(word.upper() for word in words(text))


def kebab(text: str) -> str:
    return "-".join(word.lower() for word in words(text))


def capitalize(word: str) -> str:
    """Upper-case the first letter (not the first character): `2fa` -> `2Fa`."""
    first = next((index for index, char in enumerate(word) if char.isalpha()), 0)
    return word[:first] + word[first : first + 1].upper() + word[first + 1 :].lower()


def pascal(text: str) -> str:
    return "".join(capitalize(word) for word in words(text))


def camel(text: str) -> str:
    converted = pascal(text)
    return converted[:1].lower() + converted[1:]


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
