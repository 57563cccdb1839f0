"""Storage: the database (configured MongoDB or the embedded server), repositories and indexes."""

from segcore.storage.audit import AuditEntry, AuditLog
from segcore.storage.campaigns import Campaign, CampaignNotFound, CampaignRepository, InvalidCampaign
from segcore.storage.database import Store, open_store
from segcore.storage.errors import (
    DuplicateCampaignName,
    DuplicateName,
    DuplicateSegmentName,
    NotFound,
    StorageError,
    StorageUnavailable,
)
from segcore.storage.naming import InvalidName
from segcore.storage.segments import Segment, SegmentNotFound, SegmentRepository
from segcore.storage.snapshots import SnapshotRepository
from segcore.storage.users import InvalidUserData, UpsertReport, UserRepository, coerce_user

__all__ = [
    "AuditEntry",
    "AuditLog",
    "Campaign",
    "CampaignNotFound",
    "CampaignRepository",
    "DuplicateCampaignName",
    "DuplicateName",
    "DuplicateSegmentName",
    "InvalidCampaign",
    "InvalidName",
    "InvalidUserData",
    "NotFound",
    "Segment",
    "SegmentNotFound",
    "SegmentRepository",
    "SnapshotRepository",
    "StorageError",
    "StorageUnavailable",
    "Store",
    "UpsertReport",
    "UserRepository",
    "coerce_user",
    "open_store",
]
