"""Reads the progress hydrotool prints on stderr, GDAL's way: ``0...10...20...100 - done.``

Each number is a tenth and each dot between numbers 2.5 %; a line of progress may be cut by a log
line and resumed with dots on the next line, so the parser keeps its step count across lines.
Lines that are not progress are handed back whole, as messages.
"""

import re

_PROGRESS_LINE = re.compile(r"^[0-9.]+( - done\.)?$")


class ProgressParser:
    """Feed it stderr text as it arrives; it calls ``on_percent(p)`` and ``on_line(text)``."""

    def __init__(self, on_percent, on_line):
        self.on_percent = on_percent
        self.on_line = on_line
        self.step = -1          # highest step reported (40 steps of 2.5 %); -1 before the first "0"
        self.cursor = -1        # step the bar has reached: the last number, plus the dots after it
        self.pending = ""       # text of the current line not yet handled
        self.digits = ""        # a number being read (it may arrive in two pieces)

    def feed(self, text):
        for char in text:
            if char == "\n":
                self._end_line()
            else:
                self.pending += char
                self._progress_char(char)

    def finish(self):
        if self.pending:
            self._end_line()

    def _progress_char(self, char):
        # Only a line made of digits and dots so far is progress; anything else is a message.
        if not re.fullmatch(r"[0-9.]*", self.pending):
            return
        if char.isdigit():
            self.digits += char
            return
        self._close_number()
        self.cursor += 1
        self._report()

    def _close_number(self):
        if self.digits:
            value = int(self.digits)
            self.digits = ""
            if 0 <= value <= 100 and value % 10 == 0:
                self.cursor = value * 4 // 10
                self._report()

    def _report(self):
        step = min(self.cursor, 40)
        if step > self.step:
            self.step = step
            self.on_percent(step * 2.5)

    def _end_line(self):
        line, self.pending = self.pending, ""
        if _PROGRESS_LINE.match(line):
            self._close_number()
            return
        self.digits = ""
        if line.strip():
            self.on_line(line.rstrip())
