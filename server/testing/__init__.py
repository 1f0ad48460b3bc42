"""The grading suite. `codegrade_test.py` is the entry graders run."""
