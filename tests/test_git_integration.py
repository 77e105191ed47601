"""git integration: textconv in a real temporary repository, and the pre-commit hooks file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from test_cli import SCN, scn

ROOT = Path(__file__).resolve().parent.parent
AI = ROOT / "tests" / "models" / "ai_capex_v1.scn"


def git(repo, *args) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                          check=True, capture_output=True, text=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path):
    """A new user's repository: the bundled scenario and the two documented lines."""
    (tmp_path / "ai_capex.scn").write_text(AI.read_text())
    (tmp_path / ".gitattributes").write_text("*.scn diff=scn\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "diff.scn.textconv", f"{SCN} textconv")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "the call")
    return tmp_path


def change_2027(repo):
    path = repo / "ai_capex.scn"
    path.write_text(path.read_text().replace("  2027: 20%,  # assumption", "  2027: 25%,  # assumption"))


def test_git_diff_shows_the_assumption_and_the_values_it_moved(repo):
    change_2027(repo)
    out = git(repo, "diff")
    assert "-  2027: 20%,  # assumption\n+  2027: 25%,  # assumption\n" in out
    lines = out.splitlines()
    assert any(line.startswith("-base      optics_tam                     5.9B      9.8B     16.6B"
                               "     24.6B     34.5B     46.5B     61.1B  #") for line in lines)
    assert any(line.startswith("+base      optics_tam                     5.9B      9.8B     16.6B"
                               "     25.6B     35.9B     48.5B     63.6B  #") for line in lines)
    # rows that did not move are not in the diff
    assert "-base      accel_share" not in out and "-bull      optics_tam " not in out


def test_a_move_below_the_shown_decimals_still_changes_its_row(repo):
    """20% to 20.01% reads 20.0% either way: the row's fingerprint still changes."""
    path = repo / "ai_capex.scn"
    path.write_text(path.read_text().replace("  2027: 20%,  # assumption",
                                             "  2027: 20.01%,  # assumption"))
    out = git(repo, "diff").splitlines()
    old = [line for line in out if line.startswith("-base      capex_growth ")]
    new = [line for line in out if line.startswith("+base      capex_growth ")]
    assert len(old) == len(new) == 1
    # the same text up to the fingerprint: the move is below one decimal of a percent
    assert old[0][1:-8] == new[0][1:-8] and old[0][-7:] != new[0][-7:]
    assert scn("diff", "--rev", "HEAD", str(path), cwd=repo).stdout.count("+0.01pp") == 1


def test_git_log_p_shows_value_changes(repo):
    change_2027(repo)
    git(repo, "commit", "-q", "-am", "capex 2027 up")
    out = git(repo, "log", "-p", "-1")
    assert "capex 2027 up" in out and "+base      capex_growth" in out


def test_without_the_config_line_git_diffs_text(repo):
    git(repo, "config", "--unset", "diff.scn.textconv")
    change_2027(repo)
    out = git(repo, "diff")
    assert "+  2027: 25%" in out and "scn textconv" not in out


def test_textconv_output_is_stable_and_never_fails(tmp_path):
    first, again = scn("textconv", str(AI)), scn("textconv", str(AI))
    assert first.returncode == 0 and first.stdout == again.stdout
    assert first.stdout.startswith(AI.read_text())
    assert "# ---- scn textconv: values computed from the file above" in first.stdout
    bad = tmp_path / "bad.scn"
    bad.write_text("years 2024..2025\nx = y\n")
    r = scn("textconv", str(bad))
    assert r.returncode == 0  # git needs text back, even for a broken revision
    assert r.stdout.endswith(f"# the file does not evaluate:\n# {bad}:2:5: error: unknown "
                             "variable 'y'\n#   x = y\n#       ^\n")
    binary = tmp_path / "bin.scn"
    binary.write_bytes(b"years 2024..2025\nx = \xff\n")
    r = scn("textconv", str(binary))
    assert r.returncode == 0 and "the file is not UTF-8 text" in r.stdout


def test_pre_commit_hooks_run_the_documented_commands():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    hooks = [block for block in text.split("\n- ")[1:]]
    entries = {line.split(": ", 1)[1] for h in hooks for line in h.splitlines()
               if line.strip().startswith("entry:")}
    assert entries == {"scn fmt --check", "scn check"}
    assert text.count("files: \\.scn$") == 2 and text.count("language: python") == 2


def test_this_repository_marks_its_scenarios():
    assert "*.scn diff=scn" in (ROOT / ".gitattributes").read_text().splitlines()


# ---------------------------------------------------------------- the documented CI workflow


def workflow_steps() -> dict[str, str]:
    """The `run:` scripts of docs/review.md's workflow, by step name, as written."""
    doc = (ROOT / "docs" / "review.md").read_text()
    block = next(b for b in doc.split("```yaml\n")[1:] if b.startswith("name: scenarios"))
    block = block.split("```")[0]
    steps: dict[str, str] = {}
    name = None
    lines = block.splitlines()
    for k, line in enumerate(lines):
        if line.strip().startswith("- name: "):
            name = line.split("- name: ", 1)[1]
        elif line.strip() == "run: |" and name is not None:
            indent = len(line) - len(line.lstrip()) + 2
            body = []
            for nxt in lines[k + 1:]:
                if nxt.strip() and len(nxt) - len(nxt.lstrip()) < indent:
                    break
                body.append(nxt[indent:])
            steps[name] = "\n".join(body) + "\n"
    return steps


def test_the_documented_ci_workflow_runs(tmp_path):
    steps = workflow_steps()
    assert set(steps) == {"check", "report", "comment"}
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "ai_capex.scn").write_text(AI.read_text())
    (repo / "untouched.scn").write_text("years 2024..2025\nx = 1\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")  # as actions/checkout leaves it
    git(repo, "checkout", "-q", "-b", "pr")
    change_2027(repo)
    (repo / "new.scn").write_text("years 2024..2025\ny = 2\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "capex 2027 up")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "gh-calls"
    (bin_dir / "gh").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (bin_dir / "gh").chmod(0o755)
    env = {"PATH": f"{bin_dir}:{SCN.parent}:/usr/bin:/bin", "BASE_REF": "main", "PR": "7",
           "HOME": str(tmp_path)}
    for name in ("check", "report", "comment"):
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               steps[name]], cwd=repo, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (name, done.stdout, done.stderr)
    report = (repo / "scn-report.md").read_text()
    assert report.count("### scn diff") == 1  # the modified file only; not the new one
    assert "**1 assumption changed, 17 variables moved (65 cells)" in report
    assert "| 1 | base | capex_growth[2027] | line 33 |" in report
    assert calls.read_text() == "pr comment 7 --body-file scn-report.md\n"
