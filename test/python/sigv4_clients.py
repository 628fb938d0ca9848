"""Drives Sluice with boto3 for the SigV4 tests in internal/auth (clients_integration_test.go).

The Go test starts the server and the tampering proxies and passes a plan as JSON in the
SLUICE_CLIENT_PLAN environment variable; this script runs every case and prints one JSON
object per line: {"case", "op", "ok", "code", "message", "result"}. It asserts nothing
itself: the Go test compares the outcomes with what AWS answers.
"""

import base64
import contextlib
import datetime
import json
import os
import sys

import boto3
import botocore.auth
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError


def client(plan, endpoint=None, key=None, secret=None, region=None, unsigned=False):
    cfg = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        signature_version=UNSIGNED if unsigned else None,
    )
    return boto3.client(
        "firehose",
        endpoint_url=endpoint or plan["endpoint"],
        region_name=region or plan["region"],
        aws_access_key_id=key or plan["key"],
        aws_secret_access_key=secret or plan["secret"],
        config=cfg,
        verify=plan.get("caBundle") or True,
    )


@contextlib.contextmanager
def clock_skew(seconds):
    """Signs as a client whose clock is off by `seconds` (botocore reads the time here)."""
    original = botocore.auth.get_current_datetime

    def skewed(remove_tzinfo=True):
        return original(remove_tzinfo) + datetime.timedelta(seconds=seconds)

    botocore.auth.get_current_datetime = skewed
    try:
        yield
    finally:
        botocore.auth.get_current_datetime = original


def run(case, op, fn):
    out = {"case": case, "op": op}
    try:
        res = fn()
        res.pop("ResponseMetadata", None)
        out.update(ok=True, result=res)
    except ClientError as e:
        err = e.response.get("Error", {})
        out.update(ok=False, code=err.get("Code", ""), message=err.get("Message", ""))
    print(json.dumps(out), flush=True)


def main():
    plan = json.loads(os.environ["SLUICE_CLIENT_PLAN"])
    stream = plan["stream"]

    def list_streams(c):
        return lambda: c.list_delivery_streams(Limit=10)

    good = client(plan)
    run("good", "ListDeliveryStreams", list_streams(good))
    run("good", "PutRecord", lambda: good.put_record(
        DeliveryStreamName=stream, Record={"Data": b"hello from boto3\n"}))
    run("proxied", "ListDeliveryStreams", list_streams(client(plan, endpoint=plan["plainProxy"])))
    run("wrong-secret", "ListDeliveryStreams", list_streams(client(plan, secret="not-" + plan["secret"])))
    run("tampered-body", "ListDeliveryStreams", list_streams(client(plan, endpoint=plan["bodyProxy"])))
    run("tampered-header", "ListDeliveryStreams", list_streams(client(plan, endpoint=plan["headerProxy"])))
    with clock_skew(plan["skewSeconds"]):
        run("expired", "ListDeliveryStreams", list_streams(client(plan)))
    run("wrong-region", "ListDeliveryStreams", list_streams(client(plan, region=plan["wrongRegion"])))
    run("missing-signature", "ListDeliveryStreams", list_streams(client(plan, unsigned=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
