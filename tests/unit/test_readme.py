from pathlib import Path

from newswatch.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_in_the_readme():
    missing = [env for env, _, _ in Settings.documented() if f"`{env}`" not in README]
    assert missing == []


def test_the_readme_gives_the_test_command_that_ci_runs():
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert "ops/test" in README and "ops/test" in ci
