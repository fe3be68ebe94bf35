"""The command line: help everywhere, the catalogue, exit statuses."""

import re

import pytest

from kg import __version__
from kg.cli import COMMAND_MODULES

COMMANDS = sorted(COMMAND_MODULES)


def test_help_lists_every_command(kg):
    result = kg("--help")
    assert result.exit_code == 0
    listed = re.findall(r"^  (\w+) ", result.output.split("Commands:")[1], re.M)
    assert listed == COMMANDS
    assert {"build", "query", "sparql", "export"} <= set(listed)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(kg, command):
    result = kg(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"kg {command}" in result.output


def test_version(kg):
    result = kg("--version")
    assert result.exit_code == 0
    assert result.output == f"kg, version {__version__}\n"


def test_query_list_shows_names_and_titles(kg):
    result = kg("query", "--list")
    assert result.exit_code == 0
    assert re.search(r"^talks\s+Talks and who took part", result.output, re.M)


def test_query_show_prints_sparql(kg):
    result = kg("query", "talks", "--show")
    assert result.exit_code == 0
    assert result.output.startswith("# title: Talks and who took part")


def test_talks_query_answers(kg, built_store):
    result = kg("query", "talks", "--store", str(built_store), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "talks,place,participant,quote",
        "https://w3id.org/kg/id/istanbul-talks-2025,https://w3id.org/kg/id/istanbul,"
        "https://w3id.org/kg/id/russia,Held in Istanbul",
        "https://w3id.org/kg/id/istanbul-talks-2025,https://w3id.org/kg/id/istanbul,"
        "https://w3id.org/kg/id/ukraine,Held in Istanbul",
    ]


def test_unknown_query_is_a_usage_error(kg):
    result = kg("query", "talk")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "Error: no canned query named 'talk'"
    assert "did you mean talks?" in result.stderr


def test_missing_store_is_a_runtime_error(kg, tmp_path):
    result = kg("query", "talks", "--store", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: no built graph at {tmp_path / 'nowhere'}\n"
                             "Hint: run `kg build` first (or pass --store / set KG_STORE)\n")
    assert "Traceback" not in result.output


def test_bad_option_is_exit_2(kg):
    result = kg("query", "--no-such-option")
    assert result.exit_code == 2


def test_store_from_environment(kg, built_store):
    result = kg("query", "talks", env={"KG_STORE": str(built_store)})
    assert result.exit_code == 0
    assert result.output.endswith("(2 rows)\n")


def test_table_fits_80_columns(kg, built_store):
    result = kg("query", "evidence", "--store", str(built_store), "-p", "resource",
                "kgr:istanbul-talks-2025")
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= 80
