"""The grading kit. Copy this folder into a learner's copy and run `python server/testing/grade.py`.

It uses nothing of this repository but the learner's own models.py and
migrations/; codegrade_test.py holds the checks, grade.py runs them with the
kit's own settings alone, and the scorecard at the end of the run says,
step by step, what passed and what to fix. points.py says what each part is
worth; grades.py makes the grade that junit_report.py and gradescope.py
write for the grading platforms.
"""
