"""Text from a copy, made safe to print and to write: valid UTF-8, no control characters.

A copy's file names, migration messages and errors reach the terminal,
results.json and the JUnit XML. A byte that is not UTF-8 would crash the
writer, a control character would break XML (CodeGrade then scores 0) or
redraw the terminal. Every such text goes through safe() once, on the
trusted side, before any output uses it.
"""
import re

# C0 and C1 controls, DEL, and the code points XML 1.0 forbids (surrogates, FFFE, FFFF).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
LONGEST = 4000  # characters: a reason or a note longer than this is cut


def safe(text, longest=LONGEST, newlines=True):
    """`text` as valid UTF-8 without control characters (a newline and a tab kept, if asked)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = str(text)
    try:  # a file name's undecodable bytes (os.fsdecode's escapes) become U+FFFD
        text = text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
    except UnicodeEncodeError:  # other lone surrogates: CONTROL replaces them
        pass
    text = CONTROL.sub("\N{REPLACEMENT CHARACTER}", text.replace("\r\n", "\n"))
    if not newlines:
        text = " ".join(text.replace("\t", " ").splitlines())
    return text if len(text) <= longest else text[:longest - 1] + "…"
