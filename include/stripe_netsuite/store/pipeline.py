"""DAG bookkeeping: extraction cursors, validation runs, quarantine, NetSuite sync records, reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stripe_netsuite.store.base import Base, BigIntId, JSONType, UTCDateTime, utcnow

SYNC_STATUSES = ("pending", "synced", "failed", "blocked")


class ExtractionCursor(Base):
    """How far extraction of one Stripe resource has got; advanced only after a complete window."""

    __tablename__ = "extraction_cursors"

    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[str] = mapped_column(String(255), primary_key=True, default="", server_default="")
    created_cursor: Mapped[datetime | None] = mapped_column(UTCDateTime())  # end of the last complete window
    events_cursor: Mapped[datetime | None] = mapped_column(UTCDateTime())  # `created` of the last event read
    events_last_id: Mapped[str | None] = mapped_column(String(255))  # that event's id (ending_before)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    last_run_id: Mapped[str | None] = mapped_column(String(250))


class QuarantineEntry(Base):
    """A Stripe object that failed a validation check; loading skips it until the entry is resolved."""

    __tablename__ = "quarantine"
    __table_args__ = (Index(None, "object_type", "object_id", "account"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(255))
    account: Mapped[str] = mapped_column(String(255), default="", server_default="")
    check_name: Mapped[str] = mapped_column(String(255))  # the expectation that failed
    reason: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(String(250), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class ValidationRun(Base):
    """Result of validating one object type in one DAG run (statistics from Great Expectations)."""

    __tablename__ = "validation_runs"

    run_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    object_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    success: Mapped[bool]
    statistics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    docs_path: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class SyncRecord(Base):
    """One NetSuite record written (or to be written) for one Stripe object, keyed by its external id."""

    __tablename__ = "sync_records"
    __table_args__ = (
        UniqueConstraint("netsuite_record_type", "external_id"),
        CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in SYNC_STATUSES)), name="status"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    stripe_id: Mapped[str] = mapped_column(String(255), index=True)
    stripe_object_type: Mapped[str] = mapped_column(String(64))
    netsuite_record_type: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    netsuite_internal_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(String(250))
    # What the loader must remember about the written record: a payment's original applications, a
    # reversal's credit memo id, whether the id was written back to Stripe
    # (see stripe_netsuite.sync.load_store).
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class RunReport(Base):
    """A report written for a DAG run (per-run, daily, reconciliation); `path` is the rendered file."""

    __tablename__ = "run_reports"
    __table_args__ = (Index(None, "dag_id", "run_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(250))
    run_id: Mapped[str] = mapped_column(String(250))
    kind: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    path: Mapped[str | None] = mapped_column(String(1024))
