"""The README documents every command, config key and rule key there is."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from watcher.cli import cli
from watcher.rules import schema
from watcher.settings import DIGEST_DEFAULTS, SECTION_DEFAULTS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "watcher") -> list[str]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
        else:
            found.append(path)
    return found


@pytest.mark.parametrize("command", _commands(cli))
def test_every_command_is_documented(command: str) -> None:
    assert f"`{command}" in README, f"{command} is missing from the README's command table"


def test_every_option_of_every_command_is_documented() -> None:
    for path in _commands(cli):
        command: click.Command = cli
        for part in path.split()[1:]:
            assert isinstance(command, click.Group)
            command = command.commands[part]
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in {"--config", "--help"}:
                    assert opt in README, f"{path} {opt} is not in the README"


@pytest.mark.parametrize(
    "key",
    [f"{section}.{key}" for section, keys in SECTION_DEFAULTS.items() for key in keys]
    + [f"digests.<name>.{key}" for key in DIGEST_DEFAULTS],
)
def test_every_config_key_is_documented(key: str) -> None:
    assert f"`{key}`" in README
    env = "WATCHER_" + key.replace(".<name>.", "_<NAME>_").replace(".", "_").upper()
    assert env in README


RULE_FILE_KEYS = sorted(
    {
        *schema.WATCHLIST_KEYS,
        *schema.ENTITY_KEYS,
        *schema.TOPIC_KEYS,
        *schema.RULE_KEYS,
        *schema.PHRASE_KEYS,
        *schema.NOT_NEAR_KEYS,
        *schema.NEAR_KEYS,
        *schema.EXAMPLES_KEYS,
        *schema.EXAMPLE_KEYS,
        *schema.CLAUSE_KEYS,
    }
)


@pytest.mark.parametrize("key", RULE_FILE_KEYS)
def test_every_rule_key_is_documented(key: str) -> None:
    # The key names a row of the README's rule key table (first column).
    row = re.compile(rf"^\|[^|\n]*`{key}`[^|\n]*\|", re.MULTILINE)
    assert row.search(README), f"rule key {key} is not in the README's key table"


def test_quick_start_has_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2
    assert "watcher run --config example/watcher.toml --once" in blocks[0]
    assert "pytest" in blocks[1]
