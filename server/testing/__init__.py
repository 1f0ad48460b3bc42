"""The grading kit. Copy this folder into a learner's copy and run `pytest server/testing`.

It uses nothing of this repository but the learner's own models.py and
migrations/; codegrade_test.py is the entry, and the scorecard at the end
of the run says, step by step, what passed and what to fix.
"""
