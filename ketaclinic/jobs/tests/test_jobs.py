"""The job queue: idempotent enqueueing, claiming, retries with backoff, giving up, leases, and
two workers never running one job twice (PostgreSQL, real concurrent transactions)."""

from __future__ import annotations

import datetime
import threading
import time
from io import StringIO
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from ketaclinic.jobs.backends import MAX_RETRY_DELAY, job_backend, retry_delay
from ketaclinic.jobs.models import Job, JobStatus
from ketaclinic.jobs.registry import PermanentJobError, job, job_function_get, job_names
from ketaclinic.jobs.services import enqueue, jobs_cancel_pending, jobs_run_due

RUNS: list[dict[str, Any]] = []
RUNS_LOCK = threading.Lock()
FAILURES_LEFT: dict[str, int] = {}


@job("tests.record")
def record(args: dict[str, Any]) -> None:
    with RUNS_LOCK:
        RUNS.append(args)
    if args.get("pause"):
        time.sleep(args["pause"])


@job("tests.flaky")
def flaky(args: dict[str, Any]) -> None:
    key = args["name"]
    if FAILURES_LEFT.get(key, 0) > 0:
        FAILURES_LEFT[key] -= 1
        raise RuntimeError(f"temporary trouble with {key}")
    RUNS.append(args)


@job("tests.hopeless")
def hopeless(args: dict[str, Any]) -> None:
    raise PermanentJobError("these arguments can never work")


@pytest.fixture(autouse=True)
def _clean_runs() -> None:
    RUNS.clear()
    FAILURES_LEFT.clear()


def _work() -> str:
    out = StringIO()
    call_command("jobs", "work", "--once", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_enqueueing_the_same_key_twice_is_one_job() -> None:
    assert enqueue("tests.record", {"n": 1}, key="same") is True
    assert enqueue("tests.record", {"n": 2}, key="same") is False
    assert Job.objects.count() == 1
    _work()
    assert enqueue("tests.record", {"n": 3}, key="same") is False  # done: still a no-op
    assert RUNS == [{"n": 1}]


@pytest.mark.django_db
def test_jobs_without_a_key_are_always_new() -> None:
    enqueue("tests.record", {})
    enqueue("tests.record", {})
    assert Job.objects.count() == 2


@pytest.mark.django_db
def test_refuses_an_unknown_job_name_or_no_attempts() -> None:
    with pytest.raises(ValueError, match="No job function"):
        enqueue("tests.nothing", {})
    with pytest.raises(ValueError, match="at least one attempt"):
        enqueue("tests.record", {}, max_attempts=0)


def test_registry_refuses_two_functions_under_one_name() -> None:
    assert job_function_get("tests.record") is record
    assert "tests.record" in job_names()
    with pytest.raises(ValueError, match="Two job functions"):
        job("tests.record")(flaky)


@pytest.mark.django_db
def test_a_due_job_runs_once_and_is_done() -> None:
    enqueue("tests.record", {"n": 1}, key="a")
    assert "Ran 1 job." in _work()
    row = Job.objects.get(key="a")
    assert row.status == JobStatus.DONE
    assert row.attempts == 1
    assert row.finished_at is not None
    _work()
    assert RUNS == [{"n": 1}]


@pytest.mark.django_db
def test_a_job_waits_for_its_time() -> None:
    later = timezone.now() + datetime.timedelta(hours=1)
    enqueue("tests.record", {"n": 1}, run_at=later, key="later")
    _work()
    assert RUNS == []
    with time_machine.travel(later + datetime.timedelta(seconds=1)):
        _work()
    assert RUNS == [{"n": 1}]


@pytest.mark.django_db
@override_settings(JOBS_RETRY_BASE_SECONDS=30)
def test_a_failing_job_is_retried_with_backoff_and_records_the_error() -> None:
    FAILURES_LEFT["x"] = 2
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enqueue("tests.flaky", {"name": "x"}, key="flaky", max_attempts=5)
        _work()
    row = Job.objects.get(key="flaky")
    assert row.status == JobStatus.QUEUED
    assert row.attempts == 1
    assert "temporary trouble with x" in row.last_error
    assert row.run_at == start + datetime.timedelta(seconds=30)
    with time_machine.travel(start + datetime.timedelta(seconds=31), tick=False):
        _work()
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.run_at == start + datetime.timedelta(seconds=31 + 60)  # doubled
    with time_machine.travel(start + datetime.timedelta(seconds=92), tick=False):
        _work()
    row.refresh_from_db()
    assert row.status == JobStatus.DONE
    assert row.last_error == ""
    assert RUNS == [{"name": "x"}]


@pytest.mark.django_db
def test_a_job_gives_up_after_its_last_attempt_keeping_the_error() -> None:
    FAILURES_LEFT["y"] = 99
    start = timezone.now()
    enqueue("tests.flaky", {"name": "y"}, key="doomed", max_attempts=3)
    for hour in range(1, 5):
        with time_machine.travel(start + datetime.timedelta(hours=hour), tick=False):
            _work()
    row = Job.objects.get(key="doomed")
    assert row.status == JobStatus.FAILED
    assert row.attempts == 3
    assert "temporary trouble with y" in row.last_error
    out = StringIO()
    call_command("jobs", "status", stdout=out)
    assert "Failed (gave up): 1" in out.getvalue()
    assert "doomed" in out.getvalue()


@pytest.mark.django_db
def test_a_permanent_error_or_unknown_function_gives_up_at_once() -> None:
    enqueue("tests.hopeless", {}, key="hopeless")
    Job.objects.create(name="tests.removed", key="removed", run_at=timezone.now())
    _work()
    hopeless_row = Job.objects.get(key="hopeless")
    removed_row = Job.objects.get(key="removed")
    assert hopeless_row.status == JobStatus.FAILED
    assert hopeless_row.attempts == 1
    assert "can never work" in hopeless_row.last_error
    assert removed_row.status == JobStatus.FAILED
    assert "No job function" in removed_row.last_error


def test_retry_delay_doubles_and_is_capped() -> None:
    assert retry_delay(1) * 2 == retry_delay(2)
    assert retry_delay(30) == MAX_RETRY_DELAY


@pytest.mark.django_db
def test_cancelled_jobs_do_not_run_and_enqueue_revives_them() -> None:
    enqueue("tests.record", {"n": 1}, key="p:1:a")
    enqueue("tests.record", {"n": 2}, key="p:1:b")
    enqueue("tests.record", {"n": 3}, key="p:10:a")
    assert jobs_cancel_pending(key_prefix="p:1:", keep_keys=["p:1:b"]) == 1
    _work()
    assert sorted(run["n"] for run in RUNS) == [2, 3]
    assert enqueue("tests.record", {"n": 4}, key="p:1:a") is True
    _work()
    assert RUNS[-1] == {"n": 4}


@pytest.mark.django_db
@override_settings(JOBS_LEASE_SECONDS=60)
def test_a_job_whose_worker_died_is_claimed_again_after_its_lease() -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enqueue("tests.record", {"n": 1}, key="orphan", max_attempts=2)
        claimed = job_backend().claim(worker_id="dead-worker", limit=5)  # and never finishes
    assert [c.key for c in claimed] == ["orphan"]
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        assert jobs_run_due(worker_id="w2") == 0  # still leased
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        assert jobs_run_due(worker_id="w2") == 1
    assert Job.objects.get(key="orphan").status == JobStatus.DONE
    assert not job_backend().complete(claimed[0], worker_id="dead-worker")  # lease lost


@pytest.mark.django_db
@override_settings(JOBS_LEASE_SECONDS=60)
def test_a_worker_dying_in_the_last_attempt_fails_the_job() -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enqueue("tests.record", {}, key="last", max_attempts=1)
        job_backend().claim(worker_id="dead-worker", limit=5)
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        assert jobs_run_due(worker_id="w2") == 0
    row = Job.objects.get(key="last")
    assert row.status == JobStatus.FAILED
    assert "lease ran out" in row.last_error


@pytest.mark.django_db
def test_work_refuses_bad_options() -> None:
    with pytest.raises(CommandError):
        call_command("jobs", "work", "--once", "--sleep", "0")


@pytest.mark.django_db
def test_once_drains_every_due_job_in_batches() -> None:
    for number in range(25):
        enqueue("tests.record", {"n": number}, key=f"batch-{number}")
    call_command("jobs", "work", "--once", "--batch", "10", stdout=StringIO())
    assert sorted(run["n"] for run in RUNS) == list(range(25))


NEEDS_CONCURRENT_WRITERS = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time"
)


@NEEDS_CONCURRENT_WRITERS
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_job_twice() -> None:
    total = 40
    for number in range(total):
        enqueue("tests.record", {"n": number, "pause": 0.005}, key=f"race-{number}")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(worker_id: str) -> None:
        try:
            barrier.wait(timeout=10)
            while jobs_run_due(worker_id=worker_id, batch=3):
                pass
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(f"w{index}",)) for index in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    numbers = [run["n"] for run in RUNS]
    assert sorted(numbers) == list(range(total))  # each exactly once
    assert Job.objects.filter(status=JobStatus.DONE).count() == total
    assert set(Job.objects.values_list("locked_by", flat=True)) == {"w0", "w1"}


@NEEDS_CONCURRENT_WRITERS
@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_jobs_another_transaction_holds() -> None:
    enqueue("tests.record", {"n": 1}, key="held")
    enqueue("tests.record", {"n": 2}, key="free")
    held = threading.Event()
    release = threading.Event()

    def hold_first_row() -> None:
        try:
            with transaction.atomic():
                list(Job.objects.select_for_update().filter(key="held"))
                held.set()
                release.wait(timeout=10)
        finally:
            connections["default"].close()

    holder = threading.Thread(target=hold_first_row)
    holder.start()
    assert held.wait(timeout=10)
    try:
        started = time.monotonic()
        assert jobs_run_due(worker_id="w") == 1  # without waiting for the lock
        assert time.monotonic() - started < 5
    finally:
        release.set()
        holder.join(timeout=10)
    assert RUNS == [{"n": 2}]
    assert Job.objects.get(key="held").status == JobStatus.QUEUED


@pytest.mark.django_db
def test_rows_describe_themselves() -> None:
    enqueue("tests.record", {}, key="k1")
    assert str(Job.objects.get()) == "tests.record [k1] queued"


@pytest.mark.django_db
def test_the_worker_runs_until_sigterm_and_survives_a_database_error() -> None:
    import os
    import signal

    from django.db import DatabaseError

    enqueue("tests.record", {"n": 1}, key="loop")
    calls: list[int] = []
    real = jobs_run_due

    def run_then_stop(*, worker_id: str, batch: int) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseError("server restarting")
        ran = real(worker_id=worker_id, batch=batch)
        os.kill(os.getpid(), signal.SIGTERM)  # what a service manager's stop sends
        return ran

    out, err = StringIO(), StringIO()
    with mock.patch("ketaclinic.jobs.management.commands.jobs.jobs_run_due", run_then_stop):
        call_command("jobs", "work", "--sleep", "0.01", stdout=out, stderr=err)
    assert "server restarting" in err.getvalue()
    assert "Ran 1 job." in out.getvalue()
    assert out.getvalue().rstrip().endswith("Stopped.")
    assert RUNS == [{"n": 1}]


@pytest.mark.django_db
def test_the_worker_stops_on_ctrl_c() -> None:
    out = StringIO()
    with mock.patch(
        "ketaclinic.jobs.management.commands.jobs.jobs_run_due", side_effect=KeyboardInterrupt
    ):
        call_command("jobs", "work", stdout=out)
    assert "Stopped." in out.getvalue()


@pytest.mark.django_db
def test_a_finish_after_the_lease_ran_out_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    enqueue("tests.record", {}, key="slow")
    with mock.patch("ketaclinic.jobs.backends.DatabaseBackend.complete", return_value=False):
        jobs_run_due(worker_id="w")
    assert "finished after its lease ran out" in caplog.text
