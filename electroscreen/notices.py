"""The warning category of expected conditions a user should hear about once, in one line.

A library function meeting such a condition (a table read as Windows-1252, a pool too large for the
full Pareto ranking, a temperature that looks like kelvin) warns with a :class:`NoticeWarning`
(sub)class: Python code sees an ordinary ``UserWarning``, which it can filter or turn into an error,
while the CLI prints it as one ``warning: ...`` line of its log, without Python's source line
(:func:`electroscreen.cli.common.notices_as_lines`).
"""

from __future__ import annotations

__all__ = ["NoticeWarning"]


class NoticeWarning(UserWarning):
    """An expected condition worth one line to the user, not a fault in the code."""
