"""README must document every command and option the CLI has (docs that cannot drift)."""

from pathlib import Path

import click

from scraper.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_command_and_option_is_in_readme():
    missing = [
        opt
        for param in cli.params
        for opt in param.opts
        if opt.startswith("--") and opt != "--help" and opt not in README
    ]
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        if f"scraper {name}" not in README:
            missing.append(f"scraper {name}")
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            for opt in param.opts + param.secondary_opts:
                if opt.startswith("--") and opt not in ("--help",) and opt not in README:
                    missing.append(f"scraper {name} {opt}")
    assert not missing, f"undocumented in README.md: {missing}"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    first_block = README.split("```")[1]
    lines = [
        line for line in first_block.splitlines()[1:] if line.strip() and not line.startswith("#")
    ]
    assert "scraper demo" in lines[0]
    test_command = lines[1]
    assert "pytest" in test_command
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.strip() in ci
