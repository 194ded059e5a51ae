"""Every command that is not a run (merge, diff, history, badge, can-i-deploy) ends through one
guard (usage.guarded): its own usage errors are one line and exit 4, anything else that breaks
is infocheck's own, one line and exit 3, and neither line says a secret the command knows."""
from __future__ import annotations

from infocheck.judging.exit_codes import ExitCode
from infocheck.usage import guarded


class Wrong(Exception):
    pass


def test_the_work_ends_the_command_as_it_says():
    assert guarded("history", lambda: 0, (Wrong,)) == 0
    assert guarded("history", lambda: 2, (Wrong,)) == 2


def raises(error):
    def work():
        raise error
    return work


def test_a_usage_error_is_one_line_and_exit_4_without_the_secret(capsys):
    code = guarded("badge", raises(Wrong("no store at postgresql://u:hunter2@db/x\nsecond line")), (Wrong,),
                   lambda text: text.replace("hunter2", "***"))
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE and err.startswith("ERROR: infocheck badge: no store at")
    assert "hunter2" not in err and "***" in err and err.count("\n") == 1


def test_anything_else_is_infocheck_s_own_one_line_exit_3_without_the_secret(capsys):
    code = guarded("merge", raises(KeyError("hunter2")), (Wrong,), lambda text: text.replace("hunter2", "***"))
    err = capsys.readouterr().err
    assert code == ExitCode.INTERNAL and err == "INTERNAL ERROR: infocheck merge: KeyError: '***'\n"
