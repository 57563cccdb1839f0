"""Campaigns: launch checklist, frozen audiences with holdouts, export and delivery. No Slack, no Flask."""

from segcore.campaigns.delivery import (
    DeliveryAdapter,
    DeliveryBatch,
    DeliveryReport,
    WebhookDelivery,
    deliver,
    delivery_records,
    verify_signature,
)
from segcore.campaigns.errors import (
    CampaignError,
    CampaignNotFound,
    DeliveryError,
    InvalidTransition,
    LaunchError,
    NotAllowed,
)
from segcore.campaigns.export import export_csv
from segcore.campaigns.holdout import in_holdout
from segcore.campaigns.launch import (
    LaunchChecklist,
    LaunchResult,
    LaunchState,
    launch,
    launch_state,
    prepare_launch,
)
from segcore.campaigns.lifecycle import cancel, schedule, unschedule
from segcore.campaigns.roles import (
    LAUNCH_SCOPE,
    Caller,
    is_campaign_manager,
    may_launch,
    require_campaign_manager,
    require_launch,
)

__all__ = [
    "LAUNCH_SCOPE",
    "Caller",
    "CampaignError",
    "CampaignNotFound",
    "DeliveryAdapter",
    "DeliveryBatch",
    "DeliveryError",
    "DeliveryReport",
    "InvalidTransition",
    "LaunchChecklist",
    "LaunchError",
    "LaunchResult",
    "LaunchState",
    "NotAllowed",
    "WebhookDelivery",
    "cancel",
    "deliver",
    "delivery_records",
    "export_csv",
    "in_holdout",
    "is_campaign_manager",
    "launch",
    "launch_state",
    "may_launch",
    "prepare_launch",
    "require_campaign_manager",
    "require_launch",
    "schedule",
    "unschedule",
    "verify_signature",
]
