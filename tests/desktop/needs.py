"""What the suite really runs, checked against the Debian packages scripts/test installs.

A fresh machine has only what the test command installs. A program or X font that a test
uses but that came from a package installed by hand (or by earlier work) passes here and
fails on the next fresh machine. So every process the suite starts is recorded (argv[0],
the program behind wrappers such as setpriv or runuser, and any X core font asked for with
-fn/-font), and a last test checks that each comes from a package named in scripts/lib.sh or
one apt installs with it (Depends, Pre-Depends), or from a package every Debian system has
(Essential or Priority: required), or from the project itself or the Rust toolchain.
"""

import functools
import os
import re
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Programs that run the program after their own options: the wrapped one is recorded too.
WRAPPERS = {"setpriv", "runuser", "dbus-run-session", "env", "timeout", "setsid", "nice", "xvfb-run"}

_programs: dict[str, str] = {}  # program as given -> PATH it was looked up in
_fonts: set[str] = set()


def record(argv, env) -> None:
    """Notes the programs and fonts of one process about to be started."""
    if isinstance(argv, (str, bytes, os.PathLike)):
        argv = [argv]
    argv = [os.fsdecode(a) for a in argv]
    if not argv:
        return
    path = (env or os.environ).get("PATH", os.defpath)
    _programs.setdefault(argv[0], path)
    if os.path.basename(argv[0]) in WRAPPERS and "--" in argv[:-1]:
        record(argv[argv.index("--") + 1:], env)
    for flag, value in zip(argv, argv[1:]):
        if flag in ("-fn", "-font"):
            _fonts.add(value)


def install_recorder() -> None:
    """Wraps subprocess.Popen (which run, check_output and the harness all go through)."""
    if getattr(subprocess.Popen, "_limber_recorded", False):
        return
    original = subprocess.Popen.__init__

    def init(self, args, *a, **kw):
        if not kw.get("shell"):
            try:
                record(args, kw.get("env"))
            except Exception:  # the check must never break the process it watches
                pass
        original(self, args, *a, **kw)

    subprocess.Popen.__init__ = init
    subprocess.Popen._limber_recorded = True


@functools.cache
def listed_packages() -> frozenset[str]:
    """Every package scripts/lib.sh names for the build, the run and the tests."""
    out = subprocess.check_output(
        ["bash", "-c", '. scripts/lib.sh; printf "%s\\n" "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}" '
                       '"${TEST_PACKAGES[@]}" dpkg-dev'],
        cwd=ROOT, text=True)
    return frozenset(out.split())


@functools.cache
def installed_with_listed() -> frozenset[str]:
    """The listed packages and everything apt installs with them: their Depends and
    Pre-Depends, recursively (for an "a | b" choice, the alternatives installed here)."""
    out = subprocess.check_output(
        ["dpkg-query", "-W", "-f", "${db:Status-Abbrev}\t${Package}\t${Provides}\t${Pre-Depends}, ${Depends}\n"],
        text=True)
    depends, provides = {}, {}
    for line in out.splitlines():
        status, name, provided, deps = (line.split("\t") + ["", "", "", ""])[:4]
        if not status.startswith("ii"):
            continue
        depends[name] = deps
        for v in provided.split(","):
            if v.strip():
                provides.setdefault(v.split()[0], []).append(name)

    def names(field: str):
        for choice in field.split(","):
            for alt in choice.split("|"):
                alt = alt.strip().split(" ")[0].split(":")[0]
                if alt:
                    yield alt

    seen, todo = set(), list(listed_packages())
    while todo:
        pkg = todo.pop()
        for real in ([pkg] if pkg in depends else provides.get(pkg, [])):
            if real not in seen:
                seen.add(real)
                todo.extend(names(depends[real]))
    return frozenset(seen)


@functools.cache
def _always_there(package: str) -> bool:
    """Essential or required packages are on every Debian system, however minimal."""
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Essential} ${Priority}", package],
                       capture_output=True, text=True)
    fields = r.stdout.split()
    return r.returncode == 0 and ("yes" in fields or "required" in fields)


@functools.cache
def owner(path: str) -> str | None:
    """The package that installed `path`, trying the /usr-merged spellings too."""
    real = os.path.realpath(path)
    candidates = {path, real}
    for p in list(candidates):
        for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"), ("/usr/lib/", "/lib/")):
            if p.startswith(a):
                candidates.add(b + p[len(a):])
            elif p.startswith(b):
                candidates.add(a + p[len(b):])
    for p in sorted(candidates):
        r = subprocess.run(["dpkg-query", "-S", p], capture_output=True, text=True)
        if r.returncode == 0:
            # "pkg1, pkg2: /path" (diversions print other lines; take the plain one)
            for line in r.stdout.splitlines():
                if ": " in line and not line.startswith("diversion"):
                    return line.split(": ", 1)[0].split(",")[0].split(":")[0].strip()
    return None


def _closure(listed: frozenset[str]) -> frozenset[str]:
    """What a fresh machine gets from `listed`: itself and (for the real list) its dependencies."""
    return installed_with_listed() if listed == listed_packages() else listed


def _ours(path: str) -> bool:
    real = os.path.realpath(path)
    toolchain = os.path.realpath(os.path.expanduser("~/.cargo")), os.path.realpath(os.path.expanduser("~/.rustup"))
    return real.startswith(ROOT + os.sep) or real.startswith("/tmp/") or real.startswith(toolchain)


def program_problems(programs: dict[str, str] | None = None, listed: frozenset[str] | None = None) -> list[str]:
    """One line for each program the suite ran (or `programs`: name -> PATH) that a fresh
    machine might not have, judged against `listed` (default: what scripts/lib.sh installs)."""
    listed = listed_packages() if listed is None else listed
    problems = []
    for program, path in sorted((_programs if programs is None else programs).items()):
        where = program if os.sep in program else shutil.which(program, path=path)
        if where is None:
            problems.append(f"{program}: not found on PATH, and no listed package provides it")
            continue
        if _ours(where):
            continue
        pkg = owner(where)
        if pkg is None and not where.startswith("/usr/bin/"):
            # A local wrapper that hands over to the packaged program of the same name.
            packaged = os.path.join("/usr/bin", os.path.basename(where))
            if os.path.exists(packaged) and owner(packaged):
                where, pkg = packaged, owner(packaged)
        if pkg is None:
            problems.append(f"{program} ({where}): not installed by any Debian package")
        elif pkg not in _closure(listed) and not _always_there(pkg):
            problems.append(f"{program} ({where}): from package {pkg}, which scripts/lib.sh does not install")
    return problems


def _font_files(name: str) -> list[str]:
    """The files of X core font `name` (an alias such as 10x20, or an XLFD pattern)."""
    pattern = re.compile(re.escape(name.lower()).replace(r"\*", ".*").replace(r"\?", "."))
    names, files = {name.lower()}, []
    dirs = [os.path.join(d, s) for d in ("/usr/share/fonts/X11",) if os.path.isdir(d) for s in os.listdir(d)]
    for d in dirs:
        alias = os.path.join(d, "fonts.alias")
        if os.path.exists(alias):
            for line in open(alias, errors="replace"):
                parts = line.split(None, 1)
                if len(parts) == 2 and pattern.fullmatch(parts[0].lower()):
                    names.add(parts[1].strip().strip('"').lower())
    for d in dirs:
        fonts_dir = os.path.join(d, "fonts.dir")
        if os.path.exists(fonts_dir):
            for line in list(open(fonts_dir, errors="replace"))[1:]:
                parts = line.split(None, 1)
                if len(parts) == 2:
                    xlfd = parts[1].strip().lower()
                    if xlfd in names or any(re.fullmatch(re.escape(n).replace(r"\*", ".*"), xlfd) for n in names):
                        files.append(os.path.join(d, parts[0]))
    return files


def font_problems(fonts: set[str] | None = None, listed: frozenset[str] | None = None) -> list[str]:
    """One line for each X font the suite asked for (or `fonts`) that no listed package provides."""
    listed = listed_packages() if listed is None else listed
    problems = []
    for font in sorted(_fonts if fonts is None else fonts):
        files = _font_files(font)
        if not files:
            problems.append(f"X font {font}: not installed, and no listed package provides it")
            continue
        pkgs = {owner(f) for f in files}
        if not any(p in _closure(listed) or (p and _always_there(p)) for p in pkgs):
            problems.append(f"X font {font}: from {', '.join(sorted(p or '?' for p in pkgs))}, "
                            "which scripts/lib.sh does not install")
    return problems


def recorded() -> tuple[list[str], list[str]]:
    return sorted(_programs), sorted(_fonts)
