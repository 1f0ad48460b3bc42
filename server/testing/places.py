"""Where in the learner's files an error or a warning comes from, and what it said.

Messages point at the file and line to fix: `migrations/versions/ab12_x.py,
line 21`, relative to the server folder, never at the grading kit's own
code or at a library's; and they quote an error's first line only.
"""
from pathlib import Path


def learner_file(filename, server_dir):
    """`filename` relative to `server_dir` ("models.py"), or None if it is not the learner's."""
    if not filename or str(filename).startswith("<"):  # "<string>": code made at run time
        return None
    try:
        relative = Path(filename).resolve().relative_to(Path(server_dir).resolve())
    except (ValueError, OSError, TypeError):
        return None
    return None if relative.parts[0] == "testing" else relative.as_posix()


def error_place(error, server_dir):
    """ "models.py, line 12" for the innermost place of `error` in the learner's files, or None."""
    places = []
    traceback = error.__traceback__
    while traceback is not None:
        places.append((traceback.tb_frame.f_code.co_filename, traceback.tb_lineno))
        traceback = traceback.tb_next
    if isinstance(error, SyntaxError) and error.filename:
        places.append((error.filename, error.lineno))  # the file that could not be compiled
    for filename, line in reversed(places):
        place = learner_file(filename, server_dir)
        if place:
            return f"{place}, line {line}"
    return None


def error_text(error):
    """The error's type and its first line, e.g. "NameError: name 'x' is not defined"."""
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg}"
    first = str(error).strip().splitlines()
    return f"{type(error).__name__}: {first[0]}" if first else type(error).__name__


def database_words(error):
    """What the database said: the first line of the driver's own message.

    SQLAlchemy's own text adds the SQL and a link; its `orig` is the driver's.
    """
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else type(error).__name__
