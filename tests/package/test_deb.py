"""The Debian package: built with scripts/deb and read back with dpkg-deb."""

import glob
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUBCOMMANDS = ["run", "status", "break", "snooze", "skip", "pause", "resume", "quit", "watch", "stats",
               "autostart", "exercises", "config", "man", "completions"]


@pytest.fixture(scope="module")
def deb():
    subprocess.run([os.path.join(ROOT, "scripts", "deb")], cwd=ROOT, check=True)
    [path] = glob.glob(os.path.join(ROOT, "target", "debian", "limber_*.deb"))
    return path


def dpkg(*args):
    return subprocess.run(["dpkg-deb", *args], capture_output=True, text=True, check=True).stdout


def test_contents(deb):
    files = {line.split()[-1].lstrip(".") for line in dpkg("--contents", deb).splitlines()}
    for want in ["/usr/bin/limber", "/usr/share/applications/limber.desktop",
                 "/usr/share/icons/hicolor/scalable/apps/limber.svg", "/usr/share/man/man1/limber.1.gz",
                 "/usr/share/bash-completion/completions/limber", "/usr/share/zsh/vendor-completions/_limber",
                 "/usr/share/fish/vendor_completions.d/limber.fish", "/usr/share/doc/limber/copyright"]:
        assert want in files, (want, sorted(files))
    for size in [16, 22, 24, 32, 48, 64, 128, 256]:
        assert f"/usr/share/icons/hicolor/{size}x{size}/apps/limber.png" in files


def test_control_depends_on_runtime_libraries_only(deb):
    control = dpkg("--field", deb, "Package", "Version", "Depends", "Section")
    assert "Package: limber" in control
    depends = control.split("Depends:")[1].splitlines()[0]
    assert "libasound2" in depends and "libxkbcommon-x11-0" in depends and "libpulse0" in depends
    assert "-dev" not in depends and "gtk" not in depends


def test_the_packaged_desktop_entry_validates(deb, tmp_path):
    subprocess.run(["dpkg-deb", "-x", deb, str(tmp_path)], check=True)
    for entry in [tmp_path / "usr/share/applications/limber.desktop", os.path.join(ROOT, "assets/limber-autostart.desktop")]:
        r = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    man = subprocess.run(["gzip", "-dc", str(tmp_path / "usr/share/man/man1/limber.1.gz")], capture_output=True,
                         text=True, check=True).stdout
    assert man.startswith(".ie \\n(.g .ds Aq") or ".TH limber" in man
    for sub in SUBCOMMANDS:
        assert sub in man, sub
    for completion in ["usr/share/bash-completion/completions/limber", "usr/share/zsh/vendor-completions/_limber",
                       "usr/share/fish/vendor_completions.d/limber.fish"]:
        text = (tmp_path / completion).read_text()
        for sub in SUBCOMMANDS:
            assert sub in text, (completion, sub)
    out = subprocess.run([str(tmp_path / "usr/bin/limber"), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("limber 0.1.0 (") and "unknown" not in out.stdout, out.stdout


def test_every_program_the_package_tests_ran_comes_from_a_listed_package():
    import needs

    programs, _ = needs.recorded()
    assert programs, "the recorder saw no process at all: it is not installed"
    problems = needs.program_problems() + needs.font_problems()
    assert not problems, "add the package to TEST_PACKAGES in scripts/lib.sh:\n" + "\n".join(problems)
