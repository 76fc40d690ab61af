"""Finding, asking and running the hydrotool executable.

The provider holds no algorithm: every Processing algorithm builds a hydrotool command line and
runs it here, reading GDAL-style progress and one-line errors from its stderr.
"""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import queue
from concurrent.futures import ThreadPoolExecutor

from .progress import ProgressParser

#: Oldest hydrotool whose command line this provider was written against.
MINIMUM_VERSION = (0, 1, 0)

#: Lines hydrotool starts its messages with.
ERROR_PREFIX = "hydrotool: error: "
WARNING_PREFIX = "hydrotool: warning: "


class HydrotoolError(Exception):
    """hydrotool failed: ``message`` is its one-line error (or why it could not run)."""

    def __init__(self, message, exit_code=None):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class Cancelled(HydrotoolError):
    pass


def find_executable(configured=""):
    """The configured path if set, else ``hydrotool`` on PATH; None when neither is found."""
    if configured:
        configured = os.path.expanduser(configured)
        if os.path.isdir(configured):
            configured = os.path.join(configured, "hydrotool")
        return configured if os.path.isfile(configured) and os.access(configured, os.X_OK) else None
    return shutil.which("hydrotool")


def _run_quick(executable, args, timeout=30):
    try:
        done = subprocess.run([executable] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=timeout)
    except (OSError, subprocess.SubprocessError) as error:
        raise HydrotoolError("cannot run {}: {}".format(executable, error))
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def version(executable):
    """hydrotool's version as a tuple of ints, from ``hydrotool --version``."""
    code, out, err = _run_quick(executable, ["--version"])
    # "hydrotool 0.1.0 (GDAL 3.6.2, PROJ 9.1.1)"; older executables printed the number alone.
    match = re.match(r"\s*(?:hydrotool\s+)?(\d+)\.(\d+)(?:\.(\d+))?", out)
    if code != 0 or not match:
        raise HydrotoolError("{} --version did not print a version: {}".format(executable, (err or out).strip()))
    return tuple(int(part or 0) for part in match.groups())


NOT_FOUND = "hydrotool was not found: put it on PATH or set its path in Settings → Options → Processing → Providers → hydrotool"


def version_problem(executable, found=None):
    """None if the executable runs and is recent enough (``found``: its version, if known), else a one-line reason."""
    if executable is None:
        return NOT_FOUND
    try:
        found = tuple(found) if found else version(executable)
    except HydrotoolError as error:
        return error.message
    if found < MINIMUM_VERSION:
        return "{} is version {}; this provider needs {} or later".format(
            executable, ".".join(map(str, found)), ".".join(map(str, MINIMUM_VERSION)))
    return None


def subcommands(executable):
    """The subcommands ``hydrotool --help`` lists, in its order."""
    code, out, err = _run_quick(executable, ["--help"])
    if code != 0:
        raise HydrotoolError("{} --help failed: {}".format(executable, err.strip()))
    names = []
    in_list = False
    for line in out.splitlines():
        if line.startswith("SUBCOMMANDS:"):
            in_list = True
        elif in_list:
            match = re.match(r"^  ([a-z][a-z0-9-]*)(\s{2,}|$)", line)
            if match:
                names.append(match.group(1))
            elif not line.strip() and names:
                break       # the list ends at its first blank line
    return [name for name in names if name != "help"]


def describe(executable, cache_file=None):
    """What the provider needs to know of an executable: its version, its subcommands and each one's
    help text, as a dict. Asked once per executable file (identified by path, size and modification
    time) and kept in ``cache_file``, so QGIS starts without running hydrotool again; the help texts
    are asked for in parallel the first time."""
    stat = os.stat(executable)
    key = "{}|{}|{}".format(os.path.realpath(executable), stat.st_size, stat.st_mtime_ns)
    cached = _read_cache(cache_file)
    if cached.get(key):
        return cached[key]
    found = version(executable)
    commands = subcommands(executable)
    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(lambda c: _help_or_error(executable, c), commands))
    info = {"version": list(found), "commands": commands, "help": dict(zip(commands, texts))}
    if cache_file:
        _write_cache(cache_file, {key: info})
    return info


def _help_or_error(executable, command):
    try:
        return command_help(executable, command)
    except HydrotoolError as error:
        return error.message


def _read_cache(cache_file):
    if not cache_file or not os.path.isfile(cache_file):
        return {}
    try:
        with open(cache_file, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _write_cache(cache_file, content):
    try:
        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        temporary = "{}.{}.tmp".format(cache_file, os.getpid())
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(content, f)
        os.replace(temporary, cache_file)
    except OSError:
        pass        # no cache: the next start asks the executable again


def command_help(executable, command):
    """The text of ``hydrotool COMMAND --help``."""
    code, out, err = _run_quick(executable, [command, "--help"])
    if code != 0:
        raise HydrotoolError("{} {} --help failed: {}".format(executable, command, err.strip()))
    return out


def quote(arg):
    """An argument as a shell would need it (for the log only; nothing is run through a shell)."""
    return arg if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


def command_line(executable, args):
    return " ".join(quote(a) for a in [executable] + args)


def run(executable, args, on_percent, on_info, on_warning, is_cancelled, cwd=None):
    """Runs hydrotool with ``args``; returns its stdout.

    Progress goes to ``on_percent`` (0…100), warnings and other stderr lines to ``on_warning`` and
    ``on_info``; a failure raises HydrotoolError with the tool's own one-line message. When
    ``is_cancelled()`` turns true the process is ended (SIGTERM, then SIGKILL) and Cancelled is raised.
    """
    errors = []

    def on_line(line):
        if line.startswith(ERROR_PREFIX):
            errors.append(line[len(ERROR_PREFIX):])
        elif line.startswith(WARNING_PREFIX):
            on_warning(line[len(WARNING_PREFIX):])
        else:
            on_info(line)

    parser = ProgressParser(on_percent, on_line)
    try:
        process = subprocess.Popen([executable] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, cwd=cwd)
    except OSError as error:
        raise HydrotoolError("cannot run {}: {}".format(executable, error))

    # stderr is read on a thread, one small chunk at a time, so progress shows as it is printed and
    # the calling thread stays free to notice a cancellation.
    chunks = queue.Queue()
    stdout_parts = []

    def pump(stream, sink):
        decoder_buffer = b""
        while True:
            data = os.read(stream.fileno(), 4096)
            if not data:
                break
            decoder_buffer += data
            try:
                text = decoder_buffer.decode("utf-8")
                decoder_buffer = b""
            except UnicodeDecodeError:
                continue        # a character cut between two reads: wait for its other bytes
            sink(text)
        if decoder_buffer:
            sink(decoder_buffer.decode("utf-8", "replace"))
        sink(None)

    err_thread = threading.Thread(target=pump, args=(process.stderr, chunks.put), daemon=True)
    out_thread = threading.Thread(target=pump, args=(process.stdout, lambda t: t is not None and stdout_parts.append(t)),
                                  daemon=True)
    err_thread.start()
    out_thread.start()

    cancelled = False
    while True:
        try:
            text = chunks.get(timeout=0.1)
        except queue.Empty:
            text = ""
        if text is None:
            break
        if text:
            parser.feed(text)
        if not cancelled and is_cancelled():
            cancelled = True
            _end(process)
    parser.finish()
    process.wait()
    out_thread.join()
    process.stdout.close()
    process.stderr.close()
    stdout = "".join(stdout_parts)
    if cancelled:
        _remove_staging(process.pid, cwd, args)
        raise Cancelled("cancelled: the hydrotool process was ended", process.returncode)
    if process.returncode != 0:
        message = errors[-1] if errors else "hydrotool exited with code {}".format(process.returncode)
        raise HydrotoolError(message, process.returncode)
    return stdout


def _end(process):
    try:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
    except OSError:
        pass


def _remove_staging(pid, cwd, args):
    """hydrotool writes into a hidden ``.hydrotool-tmp-PID-N`` folder beside each output and renames
    the result into place; a process ended midway leaves that folder behind, so it is removed here."""
    folders = set()
    for arg in args:
        if os.sep in arg:
            path = os.path.abspath(os.path.join(cwd or os.getcwd(), arg))
            folders.add(os.path.dirname(path))
            if os.path.isdir(path):
                folders.add(path)
    for folder in folders:
        for staging in glob.glob(os.path.join(glob.escape(folder), ".hydrotool-tmp-{}-*".format(pid))):
            shutil.rmtree(staging, ignore_errors=True)
