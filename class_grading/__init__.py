"""Grading a whole class: `pipenv run grade-class PATH...` (docs/grading.md).

An instructor's tool, beside the lesson rather than inside it. It uses the
grading kit (server/testing) as a library, for the databases it grades on,
its points and its command line, and runs that kit in every learner's copy.

    copies.py         finds the learners' copies (folders, .zip, .tar.gz, git
                      bundles) and unpacks each into a private folder
    grading.py        grades one copy there with this repository's kit
    runner.py         runs the kit, one process (group) per copy, with a time limit
    preloaded_kit.py  the process those runs are forked from, pytest imported once,
                      each run sandboxed by the kit's server/testing/sandbox.py
    databases.py      names each copy's server databases, and drops them after
    results.py        the points, from the kit's results.json; the table, CSV and JUnit
    cli.py            the command

Run it from the repository's top folder, as `python -m class_grading`.
"""
