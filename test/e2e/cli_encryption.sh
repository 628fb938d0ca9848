#!/usr/bin/env bash
# End-to-end test of server-side encryption: the built sluice binary and
# its built-in KMS, driven by the AWS CLI exactly as a user would drive
# them.
#
# The story: create a KMS key, create a stream, start encryption with the
# key, watch the status reach ENABLED, put records (Encrypted: true),
# disable the key and see puts fail, enable it and see them work again,
# stop encryption and watch the status reach DISABLED. It builds
# ./cmd/sluice, starts it on a free loopback port (--listen 127.0.0.1:0;
# the address is read back from the start-up log) with a temporary data
# directory, and prints "N passed, M failed".
#
# Needs: bash, go, aws (CLI v1 or v2), jq, curl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e-sse.XXXXXX")"
SERVER_PID=""
ENDPOINT=""
# How long ENABLING and DISABLING last: long enough for the CLI (about a
# second per call) to see them.
ENCRYPTION_DELAY=5
# Results are counted in a file and reported on fd 3 (the script's
# stdout), so that checks inside $(...) are neither lost nor captured.
RESULTS="$WORK/results"
exec 3>&1

# Shared set-up: stop_server, cleanup on exit, tool checks, CLI environment.
source "$ROOT/test/e2e/lib.sh"

# CLI v2 takes blobs as base64 unless told otherwise; v1 encodes them itself.
BLOB_ARGS=()
if [[ "$(aws --version 2>&1)" == aws-cli/2* ]]; then
	BLOB_ARGS=(--cli-binary-format raw-in-base64-out)
fi

# --- helpers -----------------------------------------------------------

pass() {
	echo pass >>"$RESULTS"
	echo "ok   - $1" >&3
}
fail() {
	echo fail >>"$RESULTS"
	echo "FAIL - $1" >&3
	[[ $# -lt 2 ]] || printf '       %s\n' "$2" >&3
}

# check DESCRIPTION JSON JQ-FILTER: passes when the filter yields true.
check() {
	local what=$1 json=$2 filter=$3
	if [[ "$(jq -r "$filter" <<<"$json" 2>/dev/null)" == "true" ]]; then
		pass "$what"
	else
		fail "$what" "filter $filter on: $json"
	fi
}

fh() { aws --endpoint-url "$ENDPOINT" --output json firehose "$@"; }
kms() { aws --endpoint-url "$ENDPOINT" --output json kms "$@"; }

# ok SERVICE ARGS...: runs a command that must succeed and prints its
# output ({} for commands with no output).
ok() {
	local svc=$1 out
	shift
	if ! out="$("$svc" "$@" 2>"$WORK/stderr")"; then
		fail "aws $svc $*" "$(cat "$WORK/stderr")"
		echo "{}"
		return 0
	fi
	[[ -n "$out" ]] || out="{}"
	echo "$out"
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		if ((SECONDS >= deadline)); then
			fail "timed out waiting for $what"
			return 1
		fi
		sleep 0.2
	done
}

# expect_error DESCRIPTION MESSAGE SERVICE ARGS...: the CLI must fail (exit
# 254 for CLI v2, 255 for v1) and print exactly MESSAGE.
expect_error() {
	local what=$1 want=$2 code=0
	shift 2
	"$@" >"$WORK/err.out" 2>"$WORK/err.txt" || code=$?
	local got
	got="$(grep -v '^$' "$WORK/err.txt" | tail -n1)"
	if [[ ($code -eq 254 || $code -eq 255) && "$got" == "$want" ]]; then
		pass "$what"
	else
		fail "$what" "exit $code, stderr: $(cat "$WORK/err.txt")"
	fi
}

describe() { fh describe-delivery-stream --delivery-stream-name "$1" 2>/dev/null; }
sse_of() { describe "$1" | jq -c '.DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration'; }
is_active() { [[ "$(describe "$1" | jq -r .DeliveryStreamDescription.DeliveryStreamStatus)" == ACTIVE ]]; }
sse_status_is() { [[ "$(sse_of "$1" | jq -r .Status)" == "$2" ]]; }

put() { fh put-record --delivery-stream-name "$1" --record "Data=$2" "${BLOB_ARGS[@]}"; }
# put_encrypted_is STREAM true|false: one put-record answers Encrypted as given.
put_encrypted_is() { [[ "$(put "$1" probe 2>/dev/null | jq -r .Encrypted)" == "$2" ]]; }
put_fails() { ! put "$1" probe >/dev/null 2>&1; }
put_works() { put "$1" probe >/dev/null 2>&1; }

# metric NAME STREAM_ARN: the value of one counter at /metrics (0 if absent).
metric() {
	local v
	v="$(curl -fsS "$ENDPOINT/metrics" | grep "^$1{" | grep -F "\"$2\"" | awk '{print $2}' | head -n1)"
	echo "${v:-0}"
}

start_server() {
	local log="$WORK/server.log"
	"$WORK/sluice" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" \
		--create-delay 1s --delete-delay 1s --encryption-delay "${ENCRYPTION_DELAY}s" --log-format json >"$log" 2>&1 &
	SERVER_PID=$!
	local addr="" deadline=$((SECONDS + 60))
	while [[ -z "$addr" ]]; do
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; echo "sluice exited during start-up" >&2; exit 1; }
		((SECONDS < deadline)) || { cat "$log" >&2; echo "sluice did not start" >&2; exit 1; }
		addr="$(jq -rR 'fromjson? | select(.msg == "sluice listening") | .addr' "$log" | head -n1)"
		[[ -n "$addr" ]] || sleep 0.1
	done
	ENDPOINT="http://$addr"
	wait_until 30 "/readyz" curl -fsS -o /dev/null "$ENDPOINT/readyz"
	echo "# sluice listening on $ENDPOINT" >&3
}

# --- build and start ----------------------------------------------------

echo "# building ./cmd/sluice"
(cd "$ROOT" && "${GO:-go}" build -o "$WORK/sluice" ./cmd/sluice)
start_server

# --- a KMS key and a stream --------------------------------------------

out="$(ok kms create-key --description "orders SSE key")"
KEY_ARN="$(jq -r .KeyMetadata.Arn <<<"$out")"
KEY_ID="$(jq -r .KeyMetadata.KeyId <<<"$out")"
check "kms create-key makes an enabled symmetric key" "$out" \
	'.KeyMetadata | .KeyState == "Enabled" and .KeySpec == "SYMMETRIC_DEFAULT" and .KeyUsage == "ENCRYPT_DECRYPT" and
	(.Arn | test("^arn:aws:kms:us-east-1:000000000000:key/[0-9a-f-]{36}$"))'
ok kms create-alias --alias-name alias/orders --target-key-id "$KEY_ID" >/dev/null

out="$(ok fh create-delivery-stream --delivery-stream-name orders \
	--extended-s3-destination-configuration \
	'{"RoleARN": "arn:aws:iam::000000000000:role/fh", "BucketARN": "arn:aws:s3:::analytics", "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 900}}')"
STREAM_ARN="$(jq -r .DeliveryStreamARN <<<"$out")"
wait_until 30 "orders ACTIVE" is_active orders && pass "the stream becomes ACTIVE"
out="$(sse_of orders)"
check "a new stream shows SSE DISABLED" "$out" '. == {"Status": "DISABLED"}'
out="$(ok fh put-record --delivery-stream-name orders --record Data=before "${BLOB_ARGS[@]}")"
check "put-record before SSE answers Encrypted: false" "$out" '.Encrypted == false and (.RecordId | length > 0)'

# --- start encryption and watch it reach ENABLED -----------------------------

started_at=$SECONDS
out="$(ok fh start-delivery-stream-encryption --delivery-stream-name orders \
	--delivery-stream-encryption-configuration-input "KeyType=CUSTOMER_MANAGED_CMK,KeyARN=$KEY_ARN")"
check "start-delivery-stream-encryption answers {}" "$out" '. == {}'
out="$(sse_of orders)"
if [[ "$(jq -r .Status <<<"$out")" == ENABLING ]]; then
	check "the stream is ENABLING with the requested key" "$out" \
		"$(printf '.KeyType == "CUSTOMER_MANAGED_CMK" and .KeyARN == "%s"' "$KEY_ARN")"
	expect_error "a second start while ENABLING fails with ResourceInUseException" \
		"An error occurred (ResourceInUseException) when calling the StartDeliveryStreamEncryption operation: Firehose orders under account 000000000000 has an encryption change in progress; its encryption status is ENABLING." \
		fh start-delivery-stream-encryption --delivery-stream-name orders \
		--delivery-stream-encryption-configuration-input KeyType=AWS_OWNED_CMK
elif ((SECONDS - started_at >= ENCRYPTION_DELAY)); then
	pass "the stream is ENABLING (not observable: the CLI took longer than --encryption-delay)"
else
	fail "the stream is ENABLING right after start" "$out"
fi
wait_until 30 "encryption ENABLED" sse_status_is orders ENABLED && pass "encryption reaches ENABLED"
out="$(sse_of orders)"
check "describe shows ENABLED with the customer key" "$out" \
	"$(printf '. == {"Status": "ENABLED", "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": "%s"}' "$KEY_ARN")"
out="$(ok kms list-grants --key-id "$KEY_ID")"
check "kms list-grants shows Firehose's grant on the key" "$out" \
	'[.Grants[] | select(.GranteePrincipal == "firehose.amazonaws.com")] | length == 1 and
	(.[0].Operations | index("GenerateDataKey") and index("Decrypt"))'

# --- encrypted puts ------------------------------------------------------------

wait_until 10 "puts encrypted" put_encrypted_is orders true && pass "puts answer Encrypted: true once ENABLED"
out="$(ok fh put-record-batch --delivery-stream-name orders \
	--records Data=order-1 Data=order-2 Data=order-3 "${BLOB_ARGS[@]}")"
check "put-record-batch answers Encrypted: true" "$out" \
	'.Encrypted == true and .FailedPutCount == 0 and (.RequestResponses | length == 3)'
out="$(ok fh put-record --delivery-stream-name orders --record Data=order-4 "${BLOB_ARGS[@]}")"
check "put-record answers Encrypted: true" "$out" '.Encrypted == true and (.RecordId | length > 0)'

# --- key trouble: disable the key, see puts fail, enable it again ------------------

ok kms disable-key --key-id "$KEY_ID" >/dev/null
wait_until 15 "puts refused" put_fails orders && pass "puts fail soon after the key is disabled"
expect_error "put-record with the key disabled fails with InvalidKMSResourceException" \
	"An error occurred (InvalidKMSResourceException) when calling the PutRecord operation: The grant for the CMK to this delivery stream might have been revoked or caller might not have sufficient permissions for the CMK." \
	put orders refused
expect_error "put-record-batch with the key disabled fails with InvalidKMSResourceException" \
	"An error occurred (InvalidKMSResourceException) when calling the PutRecordBatch operation: The grant for the CMK to this delivery stream might have been revoked or caller might not have sufficient permissions for the CMK." \
	fh put-record-batch --delivery-stream-name orders --records Data=refused "${BLOB_ARGS[@]}"
disabled_count="$(metric KMSKeyDisabled "$STREAM_ARN")"
if awk "BEGIN{exit !($disabled_count >= 2)}"; then
	pass "/metrics counts the refused records in KMSKeyDisabled ($disabled_count)"
else
	fail "/metrics counts the refused records in KMSKeyDisabled" "KMSKeyDisabled = $disabled_count"
fi
out="$(sse_of orders)"
check "encryption stays ENABLED while the key is disabled" "$out" '.Status == "ENABLED"'
expect_error "start with a disabled key fails with InvalidKMSResourceException" \
	"An error occurred (InvalidKMSResourceException) when calling the StartDeliveryStreamEncryption operation: $KEY_ARN is disabled." \
	fh start-delivery-stream-encryption --delivery-stream-name orders \
	--delivery-stream-encryption-configuration-input "KeyType=CUSTOMER_MANAGED_CMK,KeyARN=$KEY_ARN"

ok kms enable-key --key-id "$KEY_ID" >/dev/null
wait_until 15 "puts accepted again" put_works orders && pass "puts work again once the key is enabled"
out="$(ok fh put-record --delivery-stream-name orders --record Data=order-5 "${BLOB_ARGS[@]}")"
check "put-record after enable-key answers Encrypted: true" "$out" '.Encrypted == true'

# --- other refusals ------------------------------------------------------------------

expect_error "a customer key without KeyARN fails with InvalidArgumentException" \
	"An error occurred (InvalidArgumentException) when calling the StartDeliveryStreamEncryption operation: KeyARN must be specified when KeyType is CUSTOMER_MANAGED_CMK." \
	fh start-delivery-stream-encryption --delivery-stream-name orders \
	--delivery-stream-encryption-configuration-input KeyType=CUSTOMER_MANAGED_CMK
missing="arn:aws:kms:us-east-1:000000000000:key/0b6e7a3c-59b8-4f6e-9d2a-6c1f1c0e7d11"
expect_error "a key that does not exist fails with InvalidKMSResourceException" \
	"An error occurred (InvalidKMSResourceException) when calling the StartDeliveryStreamEncryption operation: Key '$missing' does not exist" \
	fh start-delivery-stream-encryption --delivery-stream-name orders \
	--delivery-stream-encryption-configuration-input "KeyType=CUSTOMER_MANAGED_CMK,KeyARN=$missing"

# --- stop encryption and watch it reach DISABLED ---------------------------------------

out="$(ok fh stop-delivery-stream-encryption --delivery-stream-name orders)"
check "stop-delivery-stream-encryption answers {}" "$out" '. == {}'
wait_until 30 "encryption DISABLED" sse_status_is orders DISABLED && pass "encryption reaches DISABLED"
out="$(sse_of orders)"
check "describe shows DISABLED" "$out" \
	"$(printf '. == {"Status": "DISABLED", "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": "%s"}' "$KEY_ARN")"
wait_until 10 "puts unencrypted" put_encrypted_is orders false && pass "puts answer Encrypted: false once DISABLED"

# --- the AWS-owned key ---------------------------------------------------------------------

ok fh start-delivery-stream-encryption --delivery-stream-name orders \
	--delivery-stream-encryption-configuration-input KeyType=AWS_OWNED_CMK >/dev/null
wait_until 30 "encryption ENABLED with AWS_OWNED_CMK" sse_status_is orders ENABLED && pass "AWS_OWNED_CMK reaches ENABLED"
out="$(sse_of orders)"
check "describe shows AWS_OWNED_CMK without a KeyARN" "$out" '. == {"Status": "ENABLED", "KeyType": "AWS_OWNED_CMK"}'
wait_until 10 "puts encrypted with AWS_OWNED_CMK" put_encrypted_is orders true && pass "puts answer Encrypted: true with AWS_OWNED_CMK"

PASSED="$(grep -c '^pass$' "$RESULTS" || true)"
FAILED="$(grep -c '^fail$' "$RESULTS" || true)"
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 && $PASSED -gt 0 ]]
