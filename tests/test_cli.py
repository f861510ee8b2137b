"""`xero-syncd run` choosing the demo or the daemon, as an operator runs it (`check` and `export` have their own
files: test_check.py, test_export.py)."""

from __future__ import annotations


from daemon.ops.cli import main


def test_run_without_settings_is_the_demo_unless_told_otherwise(operator_env, capsys):
    from daemon.ops.cli import _configured

    operator_env.setenv("DATABASE_URL", "postgres://someone-elses-app")  # a common name, set for something else
    operator_env.setenv("PORT", "9000")
    assert not _configured()
    assert main(["run", "--no-demo"]) == 2  # a service never falls back to the demo
    assert "xero-syncd: setting DATABASE_URL must name a server and a database" in capsys.readouterr().err
    operator_env.delenv("DATABASE_URL")
    assert main(["run", "--no-demo"]) == 2
    assert "xero-syncd: setting XERO_CLIENT_ID is required" in capsys.readouterr().err
    operator_env.setenv("XERO_CLIENT_ID", "abc")
    assert _configured()
