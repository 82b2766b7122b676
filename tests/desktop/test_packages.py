"""The suite uses only what scripts/test installs (see needs.py). conftest.py runs the last
test here after every other test, so it sees every program the run started."""

import os

import needs


def test_the_check_flags_a_program_or_font_from_an_unlisted_package():
    path = os.environ.get("PATH", os.defpath)
    assert not needs.program_problems({"xmessage": path})
    without = needs.listed_packages() - {"x11-utils"}
    assert any("x11-utils" in p for p in needs.program_problems({"xmessage": path}, without))
    assert needs.program_problems({"no-such-program-anywhere": path})
    assert not needs.font_problems({"10x20"})
    without = needs.listed_packages() - {"xfonts-base"}
    assert any("xfonts-base" in p for p in needs.font_problems({"10x20"}, without))
    assert needs.font_problems({"no-such-font-anywhere"})


def test_every_program_and_font_the_suite_ran_comes_from_a_listed_package():
    programs, fonts = needs.recorded()
    assert programs, "the recorder saw no process at all: it is not installed"
    problems = needs.program_problems() + needs.font_problems()
    assert not problems, "add the package to TEST_PACKAGES in scripts/lib.sh:\n" + "\n".join(problems)
