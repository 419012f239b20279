"""The CLI is a thin layer: every command documents itself and maps failures to exit codes."""

import argparse
import subprocess
import sys

import pytest

from crosscheck.cli import build_parser, db_url, main


def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise AssertionError("no subcommands")


def test_every_command_and_option_has_help():
    parser = build_parser()
    sub = _subparsers(parser)
    helps = {a.dest: a.help for a in sub._choices_actions}
    assert set(helps) == {"run", "ingest", "build", "export", "fetch", "feeds", "watch", "serve", "timeline"}
    for name, command in sub.choices.items():
        assert helps[name], f"{name} lacks help"
        assert command.description, f"{name} lacks a description"
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} lacks help"


@pytest.mark.parametrize("command", ["run", "ingest", "build", "export", "serve"])
def test_help_exits_zero(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "--db" in capsys.readouterr().out


def test_db_url_accepts_paths_and_urls():
    assert db_url("x.db") == "sqlite:///x.db"
    assert db_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "crosscheck.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "run" in out.stdout


def test_export_before_any_run_is_a_clear_error(tmp_path, capsys):
    code = main(["export", "--db", str(tmp_path / "empty.db"), "--out", str(tmp_path / "o")])
    assert code == 4
    err = capsys.readouterr().err
    assert "no storyline stored yet" in err and "Traceback" not in err


def test_a_store_the_local_sqlite_cannot_upgrade_is_one_line_and_left_as_it_was(tmp_path, capsys, monkeypatch):
    """Migration 14 drops a column, which SQLite before 3.35 cannot: the command says so in
    one line naming the store, and the store stays at its last migration, whole."""
    from sqlite3 import dbapi2  # the module SQLAlchemy's SQLite dialect reads the version from

    from sqlalchemy import create_engine, inspect

    from crosscheck.migrations import applied_ids, apply_migrations

    db = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{db}")
    apply_migrations(engine, upto=13)
    monkeypatch.setattr(dbapi2, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(dbapi2, "sqlite_version", "3.34.1")
    code = main(["export", "--db", str(db), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert str(db) in err and "SQLite 3.35 or later" in err and "3.34.1" in err
    assert applied_ids(engine)[-1] == 13 and "articles" in {c["name"] for c in inspect(engine).get_columns("entities")}
    engine.dispose()


def _gpu_usable() -> bool:
    from thinc.util import gpu_is_available

    return gpu_is_available()


def test_device_gpu_without_a_gpu_is_one_clear_line_and_stores_nothing(tmp_path, capsys):
    """A run asked to use a GPU never quietly runs on the CPU; where none is usable it
    stops before reading anything, with the reason (CI has no CuPy)."""
    if _gpu_usable():
        pytest.skip("a GPU is usable here: --device gpu would run")
    from conftest import ROOT

    db = tmp_path / "gpu.db"
    code = main(["run", str(ROOT / "examples" / "harbor-accord"), "--device", "gpu", "--db", str(db),
                 "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--device gpu: no usable GPU (" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists() and not db.exists()


def test_use_device_names_where_spacy_runs():
    from crosscheck.nlp import DeviceUnavailable, use_device

    assert use_device("cpu") == "cpu"
    assert use_device("auto") == ("gpu" if _gpu_usable() else "cpu")
    if not _gpu_usable():
        with pytest.raises(DeviceUnavailable, match=r"\S"):
            use_device("gpu")
