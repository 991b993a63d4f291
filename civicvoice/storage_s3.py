"""Stored files in S3-compatible object storage (STORAGE_BACKEND=s3): every app host reads what any host wrote.

One bucket (STORAGE_S3_BUCKET), optionally one folder of it (STORAGE_S3_PREFIX); AWS itself, or any service that
speaks its API at STORAGE_S3_ENDPOINT_URL (MinIO, Ceph, Garage, a provider's object storage). Credentials come from
where boto3 looks for them: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, a profile, or the
machine's role; never from the app's settings, so they appear in no config dump.

Downloads go through the app (the view checks who may read the file), never through a link to the bucket: the
bucket stays private, and a browser that has the file revalidates against its key (the ETag) without the app
fetching anything from the bucket.
"""
import io
from collections.abc import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import request, send_file

MISSING = ("NoSuchKey", "404", "NotFound")
LIST_PAGE = 1000  # S3 lists at most 1000 keys per request


def _folder(prefix: str) -> str:
    """STORAGE_S3_PREFIX as a folder of the bucket: "civicvoice" and "/civicvoice/" both mean "civicvoice/"."""
    name = (prefix or "").strip("/")
    return f"{name}/" if name else ""


class S3Storage:
    """Files as objects of one bucket, named by their key under the prefix."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str = "us-east-1",
                 prefix: str = "", page_size: int = LIST_PAGE):
        self.bucket, self.prefix, self.page_size = bucket, _folder(prefix), page_size
        # A session per backend: boto3's default session is shared by the whole process and is not thread-safe,
        # while the client made here is, and keeps its connection pool for every request of the app.
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            config=Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3},
                          # Services other than AWS seldom have a DNS name per bucket: address it in the path.
                          s3={"addressing_style": "path" if endpoint_url else "auto"}))

    def _name(self, key: str) -> str:
        # The same rule as the local folder's: a key is one name, never a path (it cannot reach out of the prefix).
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise KeyError(key)
        return self.prefix + key

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data,
                               ContentType=content_type or "application/octet-stream")

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in MISSING:
                raise KeyError(key) from None
            raise
        with answer["Body"] as body:
            return body.read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in MISSING:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))  # a missing object is no error

    def keys(self) -> Iterator[str]:
        # The Delimiter leaves out anything in a deeper folder of the prefix: those are no keys of ours.
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix, Delimiter="/", PaginationConfig={"PageSize": self.page_size})
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(self.prefix):]

    def send(self, key: str, mimetype: str, **options):
        """The file as a response (in memory: attachments are a few megabytes at most). A browser that already
        has it (If-None-Match: the key) gets its 304 before anything is asked of the bucket."""
        self._name(key)
        revalidating = request.if_none_match.contains_weak(key) and not request.range
        if options.get("conditional", True) and revalidating:
            data = b""  # send_file answers 304 from the ETag alone
        else:
            data = self.get(key)
        return send_file(io.BytesIO(data), mimetype=mimetype, etag=key, **options)
