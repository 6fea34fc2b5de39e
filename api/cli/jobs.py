"""`planflow jobs run NAME`, `planflow worker`, `planflow scheduler`: the scheduled jobs."""

from __future__ import annotations

import typer

from api.cli.common import NOW_HELP, moment, observe
from tasks import scheduler as sched
from workflow.settings import get_settings

app = typer.Typer(help="Scheduled jobs (nhắc việc, đôn đốc, báo cáo).", no_args_is_help=True)


def _logging() -> None:
    observe(get_settings())


@app.command("run")
def run(
    name: str = typer.Argument(..., help=f"One of: {', '.join(sched.JOB_NAMES)}, or 'all'."),
    now: str | None = typer.Option(None, help=NOW_HELP),
) -> None:
    """Run one job (or every job) once now (or as of `--now`), in this process, and print its
    counts."""
    _logging()
    names = sched.JOB_NAMES if name == "all" else (name,)
    if any(n not in sched.JOB_NAMES for n in names):
        from workflow.errors import InvalidInput

        raise InvalidInput(f"unknown job {name!r}; known: {', '.join(sched.JOB_NAMES)}, all")
    at = moment(now)
    for job in names:
        result = sched.run_job(job, now=at)
        counts = " ".join(f"{k}={v}" for k, v in result.summary().items())
        typer.echo(f"{job}: {counts}")


def worker(
    concurrency: int = typer.Option(2, help="Parallel tasks in this worker."),
    pool: str = typer.Option("prefork", help="Celery pool: prefork, threads or solo."),
    loglevel: str = typer.Option("info", help="Celery log level."),
    hostname: str | None = typer.Option(None, help="Worker name (default: celery@host)."),
) -> None:
    """Run a Celery worker for the planflow.* tasks (distributed mode)."""
    _logging()
    from tasks.celery_app import app as celery

    argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", f"--pool={pool}"]
    argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    if hostname:
        argv.append(f"--hostname={hostname}")
    celery.worker_main(argv)


def scheduler() -> None:
    """Run the distributed scheduler: lead via a PostgreSQL advisory lock, enqueue each tick."""
    _logging()
    sched.run_distributed()
