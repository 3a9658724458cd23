"""`python -m stripe_netsuite.audit`: bad input is refused with a clear message before anything is read."""

from __future__ import annotations

import pytest

from stripe_netsuite.audit.__main__ import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2026-10-10", "--to", "2026-10-01"], "to (2026-10-01) is before from (2026-10-10)"),
        (["--from", "2026-10-01"], "to is missing"),
        (["--from", "2025-01-01", "--to", "2025-12-31"], "audit at most 92 days"),
        (["--requeue", "ch_1; DROP TABLE sync_records"], "not a Stripe id the ledger records"),
        (["--requeue", "cus_123"], "not a Stripe id the ledger records: 'cus_123'"),
        (["--requeue", "ch_1", "--from", "2026-10-01"], "--requeue takes no --from/--to"),
    ],
    ids=["backwards", "half", "too-long", "hostile-id", "other-kind", "both"],
)
def test_bad_input_exits_1_naming_the_problem(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONNECTOR_DATABASE_URL", "sqlite:////nonexistent/dir/connector.db")  # never opened
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
