"""An algorithm for a command the provider's table does not know yet (a newer hydrotool's),
read from the command's ``--help``: arguments and valued options become text parameters (or a
choice when the help lists the values), flags become check boxes. No output is added to the map,
since the help does not say which arguments are outputs; the typed table entry replaces this."""

import re

from .commands import Command
from .parameters import Choice, Flag, Text

#: Options every command has, or that the algorithm sets itself.
_SKIPPED = {"--version", "--help", "--quiet", "--of", "--co", "--overwrite"}


def _entries(help_text, section):
    """(names, description) of each entry of an argument-parser help section."""
    entries = []
    inside = False
    for line in help_text.splitlines():
        if re.match(r"^[A-Z][A-Z ]+:$", line.strip()) and not line.startswith(" "):
            inside = line.strip() == section + ":"
            continue
        if not inside or not line.strip():
            continue
        # The name column: options and their value (`--of, -of <of>`, `--co <NAME=VALUE> ...`) or an
        # argument (`<dem>`); a long name may fill the column and leave one space before the text.
        match = re.match(r"^  ((?:-{1,2}[\w-]+,? ?)*(?:<[^>]+>)?(?: \.\.\.)?)(?:\s+(.*))?$", line)
        if match and match.group(1).strip() and not line.startswith("    "):
            entries.append([match.group(1).strip(), match.group(2) or ""])
        elif entries:
            entries[-1][1] = (entries[-1][1] + " " + line.strip()).strip()
    return entries


def _parameter_name(text):
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()


def parameters_from_help(help_text):
    usage = " ".join(line for line in help_text.splitlines() if line.startswith("USAGE:"))
    params = []
    for names, description in _entries(help_text, "ARGUMENTS"):
        argument = names.strip("<>")
        optional = "[<{}>]".format(argument) in usage
        params.append(Text(_parameter_name(argument), None, description or argument, optional=optional))
    for names, description in _entries(help_text, "OPTIONS"):
        flags = [n.strip(",") for n in names.split() if n.startswith("--")]
        if not flags or flags[0] in _SKIPPED:
            continue
        flag = flags[0]
        # argument-parser ends the text with "(default: X)", "(values: A, B)" or "(values: A, B; default: X)".
        default = re.search(r"[(;] ?default: ([^)]*)\)", description)
        values = re.search(r"\(values: ([^;)]*)", description)
        text = re.sub(r"\s*\((default|values): [^)]*\)", "", description).strip() or flag
        name = _parameter_name(flag)
        if "<" not in names:
            params.append(Flag(name, flag, text))
        elif values:
            choices = [v.strip() for v in values.group(1).split(",")]
            params.append(Choice(name, flag, text, choices, default=default.group(1) if default else None,
                                 unset_label="hydrotool's default"))
        else:
            required = re.search(r"(?<!\[){} <".format(re.escape(flag)), usage) is not None
            params.append(Text(name, flag, text, default=default.group(1) if default else None, optional=not required))
    return params


def generic_command(name, help_text):
    abstract = re.search(r"OVERVIEW:\s*(.*?)(?:\n\n|$)", help_text, re.S)
    title = " ".join(abstract.group(1).split()) if abstract else name
    title = title.split(".")[0][:60] if title else name
    return Command(name, title, "Other", parameters_from_help(help_text), raster_outputs="--of" in help_text)
