"""The provider's algorithm list, help texts and defaults against the executable's own --help,
the executable setting and version check, and a command the table does not know (calibrate)."""

import html
import os
import re
import stat
import subprocess
import textwrap
import unittest

from qgis.core import QgsApplication

import support
from hydrotool_provider import commands, generic

TYPED = {"fill", "breach", "burn", "flowdir", "accumulate", "streams", "snap", "watershed",
         "run", "loads", "attribute", "compensate", "spill"}
#: Commands the executable lists that the table has no typed algorithm for: each gets one built from its help.
FROM_HELP = {"calibrate", "tiles"}


def help_of(*args):
    return subprocess.run([support.EXECUTABLE] + list(args) + ["--help"], stdout=subprocess.PIPE, check=True).stdout.decode()


def listed_commands():
    """Subcommand names as `hydrotool --help` prints them (two-space indent, then the name)."""
    text = help_of().split("SUBCOMMANDS:")[1].split("\n\n")[0]
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z-]*)\s", text, re.M)]


def fake_executable(folder, version, extra_help="", command_help=""):
    """A stand-in hydrotool: its own --version, the real --help plus ``extra_help``, a canned help for
    `calibrate`, and a `calibrate` that prints progress and writes its arguments to args.txt."""
    path = os.path.join(folder, "hydrotool")
    with open(path, "w") as f:
        f.write(textwrap.dedent("""\
            #!/bin/sh
            echo "$@" >> {folder}/calls.txt
            if [ "$1" = "--version" ]; then echo {version}; exit 0; fi
            if [ "$1" = "--help" ]; then {real} --help | sed '/^SUBCOMMANDS:/r {extra}'; exit 0; fi
            if [ "$1" = "calibrate" ] && [ "$2" = "--help" ]; then cat {help}; exit 0; fi
            if [ "$1" = "fill" ] && [ "$2" = "--help" ] && [ -f {folder}/fill-help.txt ]; then cat {folder}/fill-help.txt; exit 0; fi
            if [ "$1" = "calibrate" ]; then shift; printf '%s\\n' "$@" > {folder}/args.txt; printf '0...10...20...30...40...50...60...70...80...90...100 - done.\\n' >&2; exit 0; fi
            exec {real} "$@"
            """).format(version=version, real=support.EXECUTABLE, extra=os.path.join(folder, "extra.txt"),
                        help=os.path.join(folder, "help.txt"), folder=folder))
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    with open(os.path.join(folder, "extra.txt"), "w") as f:
        f.write(extra_help)
    with open(os.path.join(folder, "help.txt"), "w") as f:
        f.write(command_help)
    return path


CALIBRATE_HELP = """\
OVERVIEW: Fit decay rates to monitoring data.

USAGE: hydrotool calibrate <project> [<observed>] --pollutant <pollutant> [--iterations <iterations>] [--method <method>] [--dry-run] [--quiet]

ARGUMENTS:
  <project>               Project file (TOML or JSON) naming the inputs and
                          parameters.
  <observed>              Observed concentrations (CSV).

OPTIONS:
  --pollutant <pollutant> Pollutant to fit.
  --iterations <iterations>
                          Iterations of the search. (default: 50)
  --method <method>       Search method. (values: nelder-mead, grid; default:
                          nelder-mead)
  --dry-run               Print the plan only.
  -q, --quiet             Print no progress.
  --version               Show the version.
  -h, --help              Show help information.
"""


class ProviderTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        support.start()

    def tearDown(self):
        from processing.core.ProcessingConfig import ProcessingConfig
        ProcessingConfig.setSettingValue("HYDROTOOL_EXECUTABLE", "")
        support.PROVIDER.refreshAlgorithms()

    def use_executable(self, path):
        from processing.core.ProcessingConfig import ProcessingConfig
        ProcessingConfig.setSettingValue("HYDROTOOL_EXECUTABLE", path)
        support.PROVIDER.refreshAlgorithms()

    def algorithm_names(self):
        return {a.name() for a in support.PROVIDER.algorithms()}

    def test_an_algorithm_for_each_command_the_executable_lists(self):
        listed = listed_commands()
        self.assertIn("fill", listed)
        self.assertEqual(self.algorithm_names(), set(listed) - commands.NOT_ALGORITHMS)
        self.assertEqual(self.algorithm_names(), TYPED | FROM_HELP)
        self.assertIsNone(support.PROVIDER.problem)

    def test_found_on_path_by_default(self):
        self.assertEqual(support.PROVIDER.executable(), support.EXECUTABLE)

    def test_help_is_the_commands_own(self):
        """Every line of `hydrotool CMD --help` shows in the help panel (laid out as HTML), but the
        section labels and the --version and --help entries."""
        for name in TYPED:
            algorithm = QgsApplication.processingRegistry().algorithmById("hydrotool:" + name)
            shown = html.unescape(re.sub(r"<[^>]+>", " ", algorithm.shortHelpString()))
            shown = " ".join(shown.split())
            lines = help_of(name).splitlines()
            skipped = [i for i, line in enumerate(lines) if line.strip().startswith(("--version", "-h, --help"))]
            for i, line in enumerate(lines):
                text = " ".join(re.sub(r"^(OVERVIEW|USAGE|ARGUMENTS|OPTIONS|EXAMPLES):", "", line).split())
                if text and i not in skipped:
                    self.assertIn(text, shown, name)
            self.assertNotIn("Show the version", shown)

    def test_the_table_agrees_with_each_commands_help(self):
        for command in commands.COMMANDS:
            text = help_of(command.name)
            from_help = {p.flag: p for p in generic.parameters_from_help(text) if p.flag}
            positionals = [p for p in generic.parameters_from_help(text) if not p.flag]
            table = {p.flag: p for p in command.params if p.flag}
            # Every option of the command is offered (the output options by the algorithm itself)...
            offered = {flag for p in command.params for flag in p.cli_flags()}
            self.assertEqual(set(from_help) - offered, set(), command.name)
            # ... and every option offered exists, with hydrotool's default and values.
            self.assertEqual(offered - set(from_help), set(), command.name)
            for flag, param in table.items():
                if param.cli_default() is not None:
                    self.assertEqual(param.cli_default(), from_help[flag].default, "{} {}".format(command.name, flag))
                if isinstance(param, commands.Choice) and isinstance(from_help[flag], commands.Choice):
                    self.assertEqual(param.values, from_help[flag].values, "{} {}".format(command.name, flag))
            self.assertEqual(len(positionals), len([p for p in command.params if not p.flag]), command.name)
            # Raster outputs named one by one come with --of, --co and --overwrite; the project
            # commands take --of and --co for their folder of fixed names, but not --overwrite.
            self.assertEqual(command.raster_outputs, "--overwrite" in text, command.name)

    def test_a_command_the_table_lacks_gets_an_algorithm_from_its_help(self):
        folder = support.folder("fake_calibrate")
        fake = fake_executable(folder, "0.2.0", "  calibrate               Fit decay rates to monitoring data.\n", CALIBRATE_HELP)
        self.use_executable(fake)
        self.assertEqual(self.algorithm_names(), TYPED | FROM_HELP)
        algorithm = QgsApplication.processingRegistry().algorithmById("hydrotool:calibrate")
        definitions = {d.name(): d for d in algorithm.parameterDefinitions()}
        self.assertEqual(sorted(definitions), ["DRY_RUN", "ITERATIONS", "METHOD", "OBSERVED", "POLLUTANT", "PROJECT"])
        self.assertEqual(definitions["METHOD"].options(), ["hydrotool's default", "nelder-mead", "grid"])
        self.assertTrue(definitions["OBSERVED"].flags() & definitions["OBSERVED"].FlagOptional)
        self.assertFalse(definitions["POLLUTANT"].flags() & definitions["POLLUTANT"].FlagOptional)
        _, feedback = support.run_algorithm("calibrate", {"PROJECT": "p.toml", "POLLUTANT": "TP", "ITERATIONS": "50",
                                                         "METHOD": 2, "DRY_RUN": True})
        with open(os.path.join(folder, "args.txt")) as f:
            self.assertEqual(f.read().split("\n")[:-1], ["p.toml", "--pollutant", "TP", "--method", "grid", "--dry-run"])
        self.assertEqual(feedback.commands, [fake + " calibrate p.toml --pollutant TP --method grid --dry-run"])
        self.assertEqual(feedback.progress[-1], 100.0)

    def test_the_setting_names_the_executable(self):
        folder = support.folder("fake_same")
        fake = fake_executable(folder, "0.1.0")
        self.use_executable(fake)
        self.assertEqual(self.algorithm_names(), TYPED | FROM_HELP)
        _, feedback = support.run_algorithm("fill", {"DEM": os.path.join(support.DEMO, "inputs", "dem.tif"),
                                                     "OUTPUT": os.path.join(folder, "filled.tif")})
        self.assertTrue(feedback.commands[0].startswith(fake + " fill "), feedback.commands)

    def test_an_option_the_executable_lacks_is_left_out(self):
        folder = support.folder("fake_no_threads")
        fake = fake_executable(folder, "0.1.0")
        # A fill whose help has no --threads (as an older hydrotool's).
        text = re.sub(r"\n  --threads <threads>.*\n(?: {20,}.*\n)*", "\n", help_of("fill"))
        self.assertNotIn("--threads <threads>  ", text)
        with open(os.path.join(folder, "fill-help.txt"), "w") as f:
            f.write(text)
        self.use_executable(fake)
        names = [d.name() for d in QgsApplication.processingRegistry().algorithmById("hydrotool:fill").parameterDefinitions()]
        self.assertNotIn("THREADS", names)
        self.assertIn("EPSILON", names)
        self.assertIn("THREADS", [d.name() for d in QgsApplication.processingRegistry().algorithmById("hydrotool:flowdir")
                                  .parameterDefinitions()])

    def test_an_executable_is_asked_once_until_it_changes(self):
        folder = support.folder("fake_cache")
        fake = fake_executable(folder, "0.1.0")
        calls = os.path.join(folder, "calls.txt")
        self.use_executable(fake)
        with open(calls) as f:
            asked = f.read().splitlines()
        self.assertEqual(sorted(asked), sorted(["--version", "--help"] + [c + " --help" for c in listed_commands()]))
        support.PROVIDER.refreshAlgorithms()        # as at the next start of QGIS
        with open(calls) as f:
            self.assertEqual(len(f.read().splitlines()), len(asked))
        self.assertEqual(self.algorithm_names(), TYPED | FROM_HELP)
        self.assertEqual(support.PROVIDER.longName(), "hydrotool 0.1.0")
        # A new executable in its place (another size) is asked again.
        fake_executable(folder, "0.1.1")
        support.PROVIDER.refreshAlgorithms()
        self.assertEqual(support.PROVIDER.longName(), "hydrotool 0.1.1")

    def test_an_old_executable_gives_no_algorithms_and_says_why(self):
        fake = fake_executable(support.folder("fake_old"), "0.0.9")
        self.use_executable(fake)
        self.assertEqual(self.algorithm_names(), set())
        self.assertEqual(support.PROVIDER.warningMessage(), "{} is version 0.0.9; this provider needs 0.1.0 or later".format(fake))

    def test_a_missing_executable_gives_no_algorithms_and_says_where_to_set_it(self):
        from processing.core.ProcessingConfig import ProcessingConfig
        # A path set earlier whose file has gone (the settings dialog refuses a missing file).
        ProcessingConfig.settings["HYDROTOOL_EXECUTABLE"].value = os.path.join(support.SCRATCH, "no-such-hydrotool")
        support.PROVIDER.refreshAlgorithms()
        self.assertEqual(self.algorithm_names(), set())
        self.assertIn("was not found", support.PROVIDER.warningMessage())
        self.assertIn("Processing → Providers → hydrotool", support.PROVIDER.warningMessage())
