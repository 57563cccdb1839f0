"""The scheduler handler: launches scheduled campaigns, snapshots segment sizes, posts digests and alerts.

Like the CLI and the Slack bot it is a handler around segcore; the composition root builds it with
:func:`build_scheduler` and starts it beside the web app.
"""

from scheduler.compose import scheduler_from_settings
from scheduler.config import SchedulerConfig, config_from_settings
from scheduler.core import RunOutcome, SegmentsScheduler, build_scheduler
from scheduler.notifier import Notifier

__all__ = ["Notifier", "RunOutcome", "SchedulerConfig", "SegmentsScheduler", "build_scheduler", "config_from_settings",
           "scheduler_from_settings"]
