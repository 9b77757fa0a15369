"""Storage locations behind one interface (see base.Storage)."""

from odh_tec.storage.base import ByteRange, Listing, ObjectInfo, Storage
from odh_tec.storage.local import LocalStorage
from odh_tec.storage.s3 import S3Connection, S3Storage

__all__ = ["ByteRange", "Listing", "LocalStorage", "ObjectInfo", "S3Connection", "S3Storage", "Storage"]
