"""Answers to the builtin templates' questions that scripted users give without thinking."""

# python/dataclass: every answer but the class name (the one a convention infers).
DATACLASS_ANSWERS = {
    "fields": "id: int",
    "frozen": False,
    "order": False,
    "slots": True,
    "kw_only": False,
    "docstring": "",
    "add_import": True,
}
