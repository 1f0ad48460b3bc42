"""Flask's test CLI runner, with logging as a new `flask` process has it, for each command.

A command run in-process inherits the logging of every command before it:
env.py's fileConfig() sets Alembic's loggers to INFO and points their
handler at sys.stderr as it was during that run. Then a later `flask seed`
would print Alembic's INFO lines that a real `flask seed` never shows, and
a command that fails before env.py runs would log its "Error: ..." into an
earlier command's captured output. So each command here starts from
logging as Python starts it, and the test's own logging comes back after.
"""
import logging
import sys
from contextlib import contextmanager

from flask.testing import FlaskCliRunner


@contextmanager
def logging_as_in_a_new_process():
    """Until the block ends: no handler, no level set, and Python's last-resort line on stderr."""
    root = logging.getLogger()
    loggers = [logger for logger in logging.root.manager.loggerDict.values()
               if isinstance(logger, logging.Logger)]
    saved_root = (root.level, root.handlers[:])
    saved = [(logger, logger.level, logger.handlers[:], logger.propagate, logger.disabled)
             for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.NOTSET)
        logger.handlers[:] = []
        logger.propagate, logger.disabled = True, False
    # What logging.lastResort does when nothing handles a warning: its bare message on stderr.
    last_resort = logging.StreamHandler(sys.stderr)
    last_resort.setLevel(logging.WARNING)
    root.handlers[:] = [last_resort]
    root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.setLevel(saved_root[0])
        root.handlers[:] = saved_root[1]
        for logger, level, handlers, propagate, disabled in saved:
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate, logger.disabled = propagate, disabled


class CliRunner(FlaskCliRunner):
    @contextmanager
    def isolation(self, *args, **kwargs):
        with super().isolation(*args, **kwargs) as streams, logging_as_in_a_new_process():
            yield streams


def cli_runner(app):
    """A CliRunner for `app`'s `flask` commands."""
    return CliRunner(app)
