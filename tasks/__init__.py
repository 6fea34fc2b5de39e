"""Scheduled jobs and their adapters (APScheduler, Celery)."""
