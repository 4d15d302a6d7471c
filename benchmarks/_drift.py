"""Does today's code still produce the recorded tables?  (``collect_results.py --check``)

Why a fingerprint
-----------------
A table in ``benchmarks/results/`` comes from its script's full mode, which takes
minutes to hours; the ``--quick`` mode takes seconds but prints other figures (fewer
rows, fewer epochs).  Comparing quick figures with a full table is meaningless, so the
check compares quick with quick:

- the *fingerprint* of a table is what its script's quick mode prints **at the commit
  that produced the table** (the table's "Produced by: commit …" line, written by
  ``_common.stamp``).  ``--fingerprint NAME`` records it by running the quick command
  in a clean export of that commit (``git archive``), never in the working tree, so
  a fingerprint cannot describe other code than the table's.  It is written to
  ``benchmarks/results/quick/NAME.md`` with the quick command and the commit;
- ``--check`` re-runs each fingerprint's quick command with today's code and compares
  the figures.  If today's quick figures equal the recorded ones, today's code takes
  the same path as the table's code on this script (the same random streams, the same
  arithmetic); if they differ, the full table very likely no longer reproduces and
  ``--rerun NAME`` tells for sure;
- ``--rerun NAME`` runs the table's own full command (its output redirected to a
  temporary file) and compares full figures with the table's.

Tables older than the stamps name no commit.  ``--fingerprint NAME --assume-commit``
then takes the commit that brought the table's present figures: walking the file's
history (``git log --no-merges --follow``), the oldest commit of the newest run whose
table figures (its markdown tables' rows) equal today's file.  That is an assumption, marked as such in the
fingerprint and in the check's output: it holds when the figures were committed
with the code that produced them, and fails when a table was run on one commit and
committed after later code changes (then a "DRIFTED" may be that gap, and a
"reproduces" still says that today's code behaves like that commit's).  Every
fingerprint also records a digest of the table's text: once the table changes, its
fingerprint is stale and the check says so.

The check is as sensitive as the quick mode: a quick mode whose figures do not depend
on training (codes all alike after too few steps) cannot show a change in training,
and a change to a script's quick settings alone shows as drift until the table is
regenerated and fingerprinted again.

Each table gets one status: ``reproduces``, ``DRIFTED`` (with the figures that moved),
``quick run failed``, ``timing only`` (its quick output has no deterministic figure),
or ``no fingerprint`` (with the reason: the table records no commit, or records
uncommitted changes, so no code can be named for it; or nobody ran
``--fingerprint``; or the fingerprint belongs to an earlier version of the table).

What is compared
----------------
:func:`figures` reads every number of an output with a label (its section heading,
its table row and column header, or its line with the numbers blanked).  Left out as
noise: progress lines of timings (``cpu: | …``, ``wall: | …``), columns whose header names a time, a speed, memory or load (seconds, ms,
``s/epoch``, MB, RSS, speedup, …), tables whose caption line does ("Training time
(s):") or whose section heading is in time units ("Latency … in µs"), dates, numbers followed by such a unit in prose, and lines
describing the machine or the run (``- machine:``, BLAS, versions, "Produced by").
Decimal numbers match within one unit of their last printed digit (a value lying on a
rounding boundary may print either way on another BLAS); integers match exactly.  A
figure present on one side only counts as drift: the output's shape changed.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
QUICK_DIR = os.path.join(HERE, "results", "quick")

#: column headers and units that measure the machine, not the code
NOISE_WORDS = (r"seconds?|\bsec\b|\bs\b|\(s\)|\bms\b|µs|\bus\b|\bmin\b|minutes?|hours?|time|"
               r"wall|\bcpu\b|speed|throughput|/s\b|s/epoch|rss|memory|\bmb\b|\bmib\b|\bgb\b|"
               r"\bgib\b|\bkb\b|load|faster|slower|×|\bx\b|"
               r"\bshare\b")  # conv_speed's share of an epoch's time per phase
NOISE_HEADER = re.compile(NOISE_WORDS, re.I)
UNIT = re.compile(r"(?<![\w.])[-−+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?\s*(?:s|ms|µs|us|sec|"
                  r"seconds?|min|minutes?|h|hours?|MB|MiB|GB|GiB|kB|KB|x|×)(?![\w])")
SKIP_LINE = re.compile(r"machine|BLAS|load average|Produced by|NumPy \d|numpy \d|Python \d|"
                       r"PyTorch|torch \d|threads?\b|written to|wrote |Command|command:|"
                       r"^\s*(?:cpu|wall):|\bdate:|\d{4}-\d\d-\d\d \d\d:\d\d|"
                       # progress printed as Python tuples: their figures are in the table
                       # that follows, their elapsed seconds are not labelled as such
                       r"^\[?\((?:'[^']*'|[-+.\deE]+|nan), ", re.I)
#: a section heading in these units makes every table under it a timing
TIMED_SECTION = re.compile(r"µs|\bms\b|seconds|\(s\)|per second|latency", re.I)
NUMBER = re.compile(r"(?<![\w.])[-−+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"
                    r"(?![\w.])")
PRODUCED = re.compile(r"Produced by: commit ([0-9a-f]{7,40})( \+ uncommitted changes)?")
OUTPUT_OPTIONS = ("--md", "--out", "--json")
COMMAND = re.compile(r"((?:[A-Z_]+=\S+ +|env(?: +-u +\S+)+ +)*python3? +[\w/.-]+\.py(?: +[^`\s(][^`\s]*)*)")


# ---------------------------------------------------------------- reading figures
def _value(text):
    """(float, tolerance) of a printed number: one unit of its last decimal, 0 for integers."""
    t = text.replace("−", "-").replace(",", "")
    mantissa, _, exp = t.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    if not decimals and not exp:
        return float(t), 0.0
    return float(t), 10.0 ** (int(exp or 0) - decimals) * (1 + 1e-9)


def _is_separator(line):
    return line.startswith("|") and set(line.replace(" ", "")) <= set("|-:")


def figures(text):
    """[(label, printed number)] of the deterministic figures in an output text."""
    out, seen = [], {}
    section, header, caption, timed, timed_section = "", None, "", False, False
    lines = text.splitlines()

    def add(label, number):
        n = seen.get(label, 0)
        seen[label] = n + 1
        out.append((label if not n else f"{label} (#{n + 1})", number))

    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            header = None
            continue
        if s.startswith("#") or (s.startswith("**") and s.count("**") >= 2 and "|" not in s):
            section, caption = re.sub(r"\s+", " ", s.split(" (")[0].strip("#* "))[:60], ""
            # the whole heading: its units are often in parentheses ("One epoch (seconds)")
            timed_section = bool(TIMED_SECTION.search(s))
            continue
        if s.startswith("|"):
            if _is_separator(s):
                continue
            cells = [c.strip() for c in s.strip("|").split("|")]
            first = not lines[i - 1].strip().startswith("|") if i else True
            if (i + 1 < len(lines) and _is_separator(lines[i + 1].strip())) or \
                    (first and not any(re.search(r"\d", c) for c in cells[1:])):
                header = cells  # a header row (rows printed as they come have no separator)
                # "Training time (s):" above it, or "Latency … in µs" as its heading
                timed = timed_section or bool(NOISE_HEADER.search(caption))
                continue
            if timed or SKIP_LINE.search(s):  # header rows above: one naming PyTorch still is
                continue
            cols = header or [str(k) for k in range(len(cells))]
            row = cells[0] if cells else ""
            for k, cell in enumerate(cells[1:], start=1):
                name = cols[k] if k < len(cols) else str(k)
                if NOISE_HEADER.search(name):
                    continue
                for j, m in enumerate(NUMBER.findall(UNIT.sub(" ", cell))):
                    add(f"{section} | {row} | {name}" + (f" [{j + 1}]" if j else ""), m)
            for j, m in enumerate(NUMBER.findall(UNIT.sub(" ", row))):
                add(f"{section} | {NUMBER.sub('#', row)} | row label [{j + 1}]", m)
            continue
        if SKIP_LINE.search(s):
            continue
        header, caption = None, s
        masked = UNIT.sub(" ~ ", s)
        template = re.sub(r"\s+", " ", NUMBER.sub("#", masked))[:80]
        for j, m in enumerate(NUMBER.findall(masked)):
            add(f"{section} | {template} [{j + 1}]", m)
    return out


def compare(recorded, today):
    """{"drifted": [(label, old, new)], "missing": [labels], "new": [labels]}."""
    old, new = dict(recorded), dict(today)
    drifted = []
    for label, a in old.items():
        if label in new:
            (x, tol), (y, _) = _value(a), _value(new[label])
            if abs(x - y) > tol:
                drifted.append((label, a, new[label]))
    missing = [k for k in old if k not in new]
    added = [k for k in new if k not in old]
    # A figure printed under a new or renamed section heading, with the same row, column
    # and value, is the same figure: pair such labels off (one to one, in order).
    unmatched = {}
    for k in added:
        unmatched.setdefault((k.partition(" | ")[2], new[k]), []).append(k)
    for k in list(missing):
        twins = unmatched.get((k.partition(" | ")[2], old[k]))
        if twins:
            missing.remove(k)
            added.remove(twins.pop(0))
    return {"drifted": drifted, "missing": missing, "new": added}


def verdict(diff, n_figures):
    """A table's status from :func:`compare` and the count of recorded figures."""
    if not n_figures and not diff["new"]:
        return "timing only"
    return "DRIFTED" if any(diff.values()) else "reproduces"


def describe(diff, limit=4):
    """How many figures moved, the first ``limit`` of them, and what appeared or vanished."""
    parts = []
    if diff["drifted"]:
        shown = "; ".join(f"{label}: {a} → {b}" for label, a, b in diff["drifted"][:limit])
        parts.append(f"{len(diff['drifted'])} moved ({shown}"
                     + ("; …)" if len(diff["drifted"]) > limit else ")"))
    for key, what in (("missing", "no longer printed"), ("new", "newly printed")):
        if diff[key]:
            parts.append(f"{len(diff[key])} {what} (e.g. {diff[key][0]})")
    return "; ".join(parts)


# ---------------------------------------------------------------- tables and commands
def table_info(path):
    """{"command", "commit", "dirty"} recorded in a results file (None where absent)."""
    with open(path) as fh:
        text = fh.read()
    m = COMMAND.search(text)  # the first python command, in backticks or indented
    command = " ".join(m.group(1).split()) if m else None
    script = split_command(command)[1][1] if command else ""
    if command and not os.path.exists(os.path.join(ROOT, script)) and \
            os.path.exists(os.path.join(HERE, script)):  # "(run from benchmarks/)"
        command = command.replace(script, f"benchmarks/{script}", 1)
    p = PRODUCED.search(text)
    return {"command": command, "commit": p.group(1) if p else None,
            "dirty": bool(p and p.group(2))}


def split_command(command):
    """(environment changes {name: value or None to unset}, argv) of a recorded command."""
    words, env = shlex.split(command), {}
    while words and (re.match(r"^[A-Za-z_]\w*=", words[0]) or words[0] == "env"):
        if words[0] == "env":
            words.pop(0)
            while words and words[0] == "-u":
                words.pop(0)
                env[words.pop(0)] = None
            continue
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return env, words


def quick_command(command):
    """The quick-mode command of a table's command: its output options and
    ``--report-only`` dropped (a quick run computes its figures instead of reading a
    cache of earlier runs), ``--quick`` added."""
    env, words = split_command(command)
    argv, skip = [], False
    for w in words:
        if skip:
            skip = False
        elif w == "--report-only":
            continue
        elif w in OUTPUT_OPTIONS:
            skip = True
        elif not any(w.startswith(o + "=") for o in OUTPUT_OPTIONS):
            argv.append(w)
    if "--quick" not in argv:
        argv.append("--quick")
    return " ".join([f"{k}={shlex.quote(v)}" for k, v in env.items() if v is not None]
                    + [shlex.quote(w) for w in argv])


def run(command, root=ROOT, timeout=3600):
    """Run a recorded command (``python benchmarks/X.py …``) with the code under
    ``root``, in a scratch working directory; returns the CompletedProcess."""
    env_changes, argv = split_command(command)
    if not argv or not argv[0].startswith("python"):
        raise ValueError(f"not a python command: {command!r}")
    script = argv[1] if os.path.isabs(argv[1]) else os.path.join(root, argv[1])
    env = dict(os.environ, PYTHONPATH=root, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1")
    # The outlier-detection sets are found beside the repository (../shared/data); an export
    # of an old commit lives elsewhere, so point it at the folders this checkout finds.
    from npae.datasets.adbench import adbench_dir
    from npae.datasets.odds import odds_dir

    for var, folder in (("NPAE_ODDS_DIR", odds_dir()), ("NPAE_ADBENCH_DIR", adbench_dir())):
        if folder is not None:
            env.setdefault(var, folder)
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    with tempfile.TemporaryDirectory() as cwd:  # files a quick run writes go nowhere
        return subprocess.run([sys.executable, script, *argv[2:]], cwd=cwd, env=env, text=True,
                              capture_output=True, timeout=timeout)


def export_commit(commit, dest):
    """The tracked files of ``commit`` under ``dest`` (``git archive``; the repository
    and its work trees are not touched)."""
    archive = os.path.join(dest, "src.tar")
    subprocess.run(["git", "archive", "--format=tar", "-o", archive, commit], cwd=ROOT,
                   check=True, capture_output=True, text=True)
    with tarfile.open(archive) as tar:
        tar.extractall(os.path.join(dest, "src"), filter="data")
    return os.path.join(dest, "src")


# ---------------------------------------------------------------- fingerprints
def digest(text):
    """A short hash of a table's text (changed or not), independent of :func:`figures`."""
    import hashlib

    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:12]


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def figures_commit(name):
    """The commit that brought the present figures of results/``name`` (see the module
    docstring), or None when no commit holds them."""
    def tables_only(text):  # the figures of its tables: notes edited later do not count
        return repr(figures("\n".join(ln for ln in text.splitlines()
                                      if ln.lstrip().startswith(("|", "#", "**")))))

    now = digest(tables_only(open(os.path.join(HERE, "results", name)).read()))
    log = git("log", "--no-merges", "--follow", "--name-only", "--format=%H", "--",
              f"benchmarks/results/{name}").split()
    found = None
    for sha, path in zip(log[::2], log[1::2]):
        try:
            same = digest(tables_only(git("show", f"{sha}:{path}"))) == now
        except subprocess.CalledProcessError:
            same = False
        if not same:
            break
        found = sha[:12]
    return found


def fingerprint_path(name):
    return os.path.join(QUICK_DIR, name)


def read_fingerprint(name):
    """{"commit", "command", "output"} of a recorded fingerprint, or None."""
    path = fingerprint_path(name)
    if not os.path.exists(path):
        return None
    with open(path) as fh:
        text = fh.read()
    commit = re.search(r"(produced by|assumed to come from) commit ([0-9a-f]{7,40})", text)
    command = re.search(r"^Quick command: `([^`]+)`", text, re.M)
    output = re.search(r"^~~~text\n(.*?)^~~~$", text, re.M | re.S)
    table = re.search(r"^Table text: ([0-9a-f]+)", text, re.M)
    if not (commit and command and output):
        return None
    return {"commit": commit.group(2), "assumed": commit.group(1) != "produced by",
            "command": command.group(1), "output": output.group(1),
            "table": table.group(1) if table else None}


def record_fingerprint(name, assume_commit=False, timeout=3600):
    """Run the quick mode of results/``name`` at the commit that produced it (or, with
    ``assume_commit`` and a table that names none, :func:`figures_commit`'s) and write
    the fingerprint; returns a one-line report."""
    path = os.path.join(HERE, "results", name)
    info = table_info(path)
    commit, how = info["commit"], "produced by"
    if assume_commit and commit is None and info["command"] is not None:
        commit, how = figures_commit(name), "assumed to come from"
    if info["command"] is None or commit is None or info["dirty"]:
        return f"{name}: not fingerprinted ({why_none(info)})"
    command = quick_command(info["command"])
    with tempfile.TemporaryDirectory() as tmp:
        try:
            src = export_commit(commit, tmp)
        except subprocess.CalledProcessError as exc:
            return f"{name}: not fingerprinted (git cannot export commit {commit}: " \
                   f"{exc.stderr.strip()})"
        proc = run(command, root=src, timeout=timeout)
    if proc.returncode:
        return f"{name}: the quick run failed at {commit}: {proc.stderr.strip()[-300:]}"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    note = "" if how == "produced by" else (
        " (the table names no commit: this one is assumed, the commit that brought its "
        "present figures; see `benchmarks/_drift.py`)")
    os.makedirs(QUICK_DIR, exist_ok=True)
    with open(fingerprint_path(name), "w") as fh:
        fh.write(f"# Quick-mode fingerprint of {name}\n\n"
                 f"Table: `benchmarks/results/{name}`, {how} commit {commit}{note}\n\n"
                 f"Table text: {digest(open(path).read())}\n\n"
                 f"Quick command: `{command}`\n\n"
                 f"Recorded {when} in a clean export of commit {commit}; compared "
                 "figure by figure by `python benchmarks/collect_results.py --check` "
                 "(see `benchmarks/_drift.py`).\n\n"
                 f"~~~text\n{proc.stdout.rstrip()}\n~~~\n")
    return f"{name}: fingerprint of commit {commit}{' (assumed)' if note else ''} " \
           f"({len(figures(proc.stdout))} figures)"


def why_none(info):
    if info["command"] is None:
        return "the table records no command"
    if info["commit"] is None:
        return "the table records no commit (--assume-commit names one)"
    if info["dirty"]:
        return "the table was produced with uncommitted changes"
    if subprocess.run(["git", "cat-file", "-e", f"{info['commit']}^{{commit}}"], cwd=ROOT,
                      capture_output=True).returncode:
        return f"its commit {info['commit']} is not in this repository"
    return "no fingerprint recorded: run --fingerprint"


# ---------------------------------------------------------------- the checks
def check_table(name, timeout=3600):
    """(status, detail) of one table: today's quick figures against its fingerprint."""
    path = os.path.join(HERE, "results", name)
    info = table_info(path)
    fp = read_fingerprint(name)
    if fp is None or info["dirty"] or (info["commit"] is None and not fp["assumed"]):
        return "no fingerprint", why_none(info)
    if info["commit"] is not None and not (fp["commit"].startswith(info["commit"][:7]) and
                                           info["commit"].startswith(fp["commit"][:7])):
        return "no fingerprint", (f"the fingerprint is of commit {fp['commit']}, the table "
                                  f"now of {info['commit']}: run --fingerprint {name}")
    if fp["table"] is not None and fp["table"] != digest(open(path).read()):
        return "no fingerprint", f"the table changed since its fingerprint: run --fingerprint {name}"
    proc = run(fp["command"], timeout=timeout)
    if proc.returncode:
        return "quick run failed", proc.stderr.strip().splitlines()[-1][:200] if proc.stderr \
            else f"exit {proc.returncode}"
    recorded = figures(fp["output"])
    diff = compare(recorded, figures(proc.stdout))
    status = verdict(diff, len(recorded))
    detail = describe(diff) if status == "DRIFTED" else f"{len(recorded)} figures"
    if fp["assumed"]:
        detail += f" (against commit {fp['commit']}, assumed)"
    return status, detail


def working_copy(dest):
    """The tracked files of the working tree, as they are now, copied under ``dest``."""
    import shutil

    for rel in git("ls-files", "-z").split("\0"):
        if rel and os.path.isfile(os.path.join(ROOT, rel)):
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, rel), os.path.join(dest, rel))
    return dest


def rerun_table(name, timeout=24 * 3600):
    """Re-run a table's full recorded command with today's code and compare full figures
    with the table's.  The run uses a copy of the working tree, so a script that writes
    its table to a fixed path (faults.py, to_torch_parity.py) cannot overwrite it, and
    its output options point to scratch files."""
    path = os.path.join(HERE, "results", name)
    info = table_info(path)
    if info["command"] is None:
        return "no command", "the table records no command"
    env, words = split_command(info["command"])
    with tempfile.TemporaryDirectory() as tmp:
        src = working_copy(os.path.join(tmp, "src"))
        out = os.path.join(tmp, name)
        argv = [w if not (i and words[i - 1] in OUTPUT_OPTIONS)  # outputs to scratch files
                else out if words[i - 1] != "--json" else os.path.join(tmp, "cache.json")
                for i, w in enumerate(words)]
        command = " ".join([f"{k}={shlex.quote(v)}" for k, v in env.items() if v is not None]
                           + [shlex.quote(w) for w in argv])
        proc = run(command, root=src, timeout=timeout)
        if proc.returncode:
            return "run failed", proc.stderr.strip()[-300:]
        fixed = os.path.join(src, "benchmarks", "results", name)
        with open(path) as fh, open(fixed) as gh:
            rewritten = fh.read() != gh.read()
        text = open(out).read() if os.path.exists(out) else \
            open(fixed).read() if rewritten else proc.stdout
    with open(path) as fh:
        recorded = figures(fh.read())
    diff = compare(recorded, figures(text))
    diff["new"] = []  # a full run's own output may print more than its table keeps
    status = verdict(diff, len(recorded))
    return status, describe(diff) if status == "DRIFTED" else f"{len(recorded)} figures"
