"""A command's ``--help`` as HTML for the algorithm's help panel: the text is hydrotool's own,
only laid out (paragraphs for the overview and usage, a list for the arguments and options) so
that it reads in a narrow panel."""

import html
import re

from .generic import _entries


def help_html(text):
    parts = []
    overview = re.search(r"OVERVIEW:\s*(.*?)(?:\n\n|$)", text, re.S)
    if overview:
        parts.append("<p>{}</p>".format(html.escape(" ".join(overview.group(1).split()))))
    # Each line matched once ([^\n]+\n): a pattern like (.+\n?)+ backtracks exponentially on a long
    # line that is not followed by USAGE (the examples at the end of the help).
    head = text.split("\nUSAGE:", 1)[0] + "\nUSAGE:"
    discussion = re.search(r"\n\n((?:(?![A-Z]+:)[^\n]+\n)+)\n*USAGE:", head)
    if discussion:
        parts.append("<p>{}</p>".format(html.escape(" ".join(discussion.group(1).split()))))
    usage = re.search(r"USAGE:\s*(.*?)(?:\n\n|$)", text, re.S)
    if usage:
        parts.append("<p><code>{}</code></p>".format(html.escape(" ".join(usage.group(1).split()))))
    for section in ("ARGUMENTS", "OPTIONS"):
        entries = [(n, d) for n, d in _entries(text, section) if not n.startswith(("--version", "-h, --help"))]
        if entries:
            parts.append("<h3>{}</h3><dl>{}</dl>".format(section.capitalize(), "".join(
                "<dt><b>{}</b></dt><dd>{}</dd>".format(html.escape(n), html.escape(d)) for n, d in entries)))
    examples = re.search(r"\nEXAMPLES:\n(.*)$", text, re.S)
    if examples:
        items = re.findall(r"^  (\S[^\n]*)\n    \$ ([^\n]+)$", examples.group(1), re.M)
        if items:
            parts.append("<h3>Examples</h3><dl>{}</dl>".format("".join(
                "<dt>{}</dt><dd><code>$ {}</code></dd>".format(html.escape(d), html.escape(c)) for d, c in items)))
    return "\n".join(parts) if parts else "<pre>{}</pre>".format(html.escape(text))
