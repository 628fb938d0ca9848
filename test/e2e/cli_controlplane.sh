#!/usr/bin/env bash
# End-to-end test of the Firehose control plane: the built sluice binary,
# driven by the AWS CLI exactly as a user would drive it.
#
# It builds ./cmd/sluice, starts it on a free loopback port (--listen
# 127.0.0.1:0; the address is read back from the start-up log) with a
# temporary data directory, runs create / describe / list / tag / update /
# delete and an error case, restarts the binary on the same data directory,
# checks that the state survived, and prints "N passed, M failed".
#
# Needs: bash, go, aws (CLI v1 or v2), jq, curl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e.XXXXXX")"
SERVER_PID=""
ENDPOINT=""
RUN=0
# Results are counted in a file and reported on fd 3 (the script's
# stdout), so that checks inside $(...) are neither lost nor captured.
RESULTS="$WORK/results"
exec 3>&1

# Shared set-up: stop_server, cleanup on exit, tool checks, CLI environment.
source "$ROOT/test/e2e/lib.sh"

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

# fh_ok runs a firehose command that must succeed and prints its output
# ({} for commands with no output).
fh_ok() {
	local out
	if ! out="$(fh "$@" 2>"$WORK/stderr")"; then
		fail "aws firehose $*" "$(cat "$WORK/stderr")"
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

status_of() { fh describe-delivery-stream --delivery-stream-name "$1" 2>/dev/null | jq -r .DeliveryStreamDescription.DeliveryStreamStatus; }
is_active() { [[ "$(status_of "$1")" == ACTIVE ]]; }
is_gone() {
	local err
	if fh describe-delivery-stream --delivery-stream-name "$1" >/dev/null 2>"$WORK/gone.err"; then return 1; fi
	err="$(cat "$WORK/gone.err")"
	[[ "$err" == *"(ResourceNotFoundException)"* ]]
}

start_server() {
	RUN=$((RUN + 1))
	local log="$WORK/server-$RUN.log"
	"$WORK/sluice" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" \
		--create-delay 1s --delete-delay 1s --log-format json >"$log" 2>&1 &
	SERVER_PID=$!
	local addr="" deadline=$((SECONDS + 60))
	while [[ -z "$addr" ]]; do
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; echo "sluice exited during start-up" >&2; exit 1; }
		((SECONDS < deadline)) || { cat "$log" >&2; echo "sluice did not start" >&2; exit 1; }
		addr="$(jq -rR 'fromjson? | select(.msg == "sluice listening") | .addr' "$log" 2>/dev/null | head -n1)" || true
		[[ -n "$addr" ]] || sleep 0.1
	done
	ENDPOINT="http://$addr"
	wait_until 30 "/readyz" curl -fs -o /dev/null "$ENDPOINT/readyz"
	echo "# sluice (run $RUN) listening on $ENDPOINT" >&3
}

# --- build and start ----------------------------------------------------

echo "# building ./cmd/sluice"
(cd "$ROOT" && "${GO:-go}" build -o "$WORK/sluice" ./cmd/sluice)
start_server

# --- list on an empty server -------------------------------------------

out="$(fh_ok list-delivery-streams)"
check "list-delivery-streams on a new server is empty" "$out" \
	'.DeliveryStreamNames == [] and .HasMoreDeliveryStreams == false'

# --- create and describe ------------------------------------------------

created_at=$(date +%s%N)
out="$(fh_ok create-delivery-stream --delivery-stream-name orders \
	--extended-s3-destination-configuration RoleARN=arn:aws:iam::000000000000:role/fh,BucketARN=arn:aws:s3:::analytics)"
check "create-delivery-stream returns the stream ARN" "$out" \
	'.DeliveryStreamARN == "arn:aws:firehose:us-east-1:000000000000:deliverystream/orders"'

out="$(fh_ok describe-delivery-stream --delivery-stream-name orders)"
elapsed_ms=$((($(date +%s%N) - created_at) / 1000000))
first_status="$(jq -r .DeliveryStreamDescription.DeliveryStreamStatus <<<"$out")"
if [[ "$first_status" == CREATING ]]; then
	pass "a new stream is CREATING"
elif [[ "$first_status" == ACTIVE && $elapsed_ms -ge 1000 ]]; then
	# The CLI took longer than --create-delay: CREATING was not observable.
	pass "a new stream is CREATING (not observable: describe came ${elapsed_ms} ms after create)"
else
	fail "a new stream is CREATING" "status $first_status ${elapsed_ms} ms after create"
fi
check "describe shows the stream's identity while CREATING" "$out" '.DeliveryStreamDescription |
	.DeliveryStreamName == "orders" and .DeliveryStreamType == "DirectPut" and .VersionId == "1" and
	.HasMoreDestinations == false and (has("LastUpdateTimestamp") | not)'

wait_until 30 "orders ACTIVE" is_active orders && pass "the stream becomes ACTIVE"
out="$(fh_ok describe-delivery-stream --delivery-stream-name orders)"
check "describe shows the ExtendedS3 defaults" "$out" '.DeliveryStreamDescription.Destinations[0] |
	.DestinationId == "destinationId-000000000001" and
	(.ExtendedS3DestinationDescription | .RoleARN == "arn:aws:iam::000000000000:role/fh" and
		.BucketARN == "arn:aws:s3:::analytics" and .BufferingHints == {"SizeInMBs": 5, "IntervalInSeconds": 300} and
		.CompressionFormat == "UNCOMPRESSED" and .EncryptionConfiguration == {"NoEncryptionConfig": "NoEncryption"} and
		.CloudWatchLoggingOptions.Enabled == false and .S3BackupMode == "Disabled") and
	.S3DestinationDescription.BucketARN == "arn:aws:s3:::analytics"'
check "a DirectPut stream shows SSE DISABLED" "$out" \
	'.DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration == {"Status": "DISABLED"}'

# --- list ---------------------------------------------------------------

fh_ok create-delivery-stream --delivery-stream-name audit \
	--extended-s3-destination-configuration RoleARN=arn:aws:iam::000000000000:role/fh,BucketARN=arn:aws:s3:::audit >/dev/null
out="$(fh_ok list-delivery-streams)"
check "list-delivery-streams lists both streams in order" "$out" \
	'.DeliveryStreamNames == ["audit", "orders"] and .HasMoreDeliveryStreams == false'
out="$(fh_ok list-delivery-streams --limit 1)"
check "list-delivery-streams --limit pages" "$out" \
	'.DeliveryStreamNames == ["audit"] and .HasMoreDeliveryStreams == true'
out="$(fh_ok list-delivery-streams --exclusive-start-delivery-stream-name audit)"
check "list-delivery-streams continues after a name" "$out" \
	'.DeliveryStreamNames == ["orders"] and .HasMoreDeliveryStreams == false'

# --- tags ---------------------------------------------------------------

fh_ok tag-delivery-stream --delivery-stream-name orders --tags Key=team,Value=data Key=env,Value=prod >/dev/null
out="$(fh_ok list-tags-for-delivery-stream --delivery-stream-name orders)"
check "tag-delivery-stream adds tags" "$out" \
	'.Tags == [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "prod"}] and .HasMoreTags == false'
fh_ok tag-delivery-stream --delivery-stream-name orders --tags Key=env,Value=staging >/dev/null
fh_ok untag-delivery-stream --delivery-stream-name orders --tag-keys team no-such-key >/dev/null
out="$(fh_ok list-tags-for-delivery-stream --delivery-stream-name orders)"
check "tags replace values and untag removes keys" "$out" '.Tags == [{"Key": "env", "Value": "staging"}]'

# --- update-destination ---------------------------------------------------

fh_ok update-destination --delivery-stream-name orders --current-delivery-stream-version-id 1 \
	--destination-id destinationId-000000000001 \
	--extended-s3-destination-update '{"Prefix": "logs/", "BufferingHints": {"SizeInMBs": 10, "IntervalInSeconds": 60}}' >/dev/null
out="$(fh_ok describe-delivery-stream --delivery-stream-name orders)"
check "update-destination advances VersionId and sets LastUpdateTimestamp" "$out" \
	'.DeliveryStreamDescription | .VersionId == "2" and has("LastUpdateTimestamp")'
check "update-destination merges into the destination" "$out" '.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription |
	.Prefix == "logs/" and .BufferingHints == {"SizeInMBs": 10, "IntervalInSeconds": 60} and
	.BucketARN == "arn:aws:s3:::analytics" and .CompressionFormat == "UNCOMPRESSED"'

# --- errors: exit code and message ------------------------------------------

# expect_error DESCRIPTION MESSAGE COMMAND...: the CLI must fail (exit 254
# for CLI v2, 255 for v1) and print exactly MESSAGE.
expect_error() {
	local what=$1 want=$2 code=0
	shift 2
	fh "$@" >"$WORK/err.out" 2>"$WORK/err.txt" || code=$?
	local got
	got="$(grep -v '^$' "$WORK/err.txt" | tail -n1)" || true
	if [[ ($code -eq 254 || $code -eq 255) && "$got" == "$want" ]]; then
		pass "$what"
	else
		fail "$what" "exit $code, stderr: $(cat "$WORK/err.txt")"
	fi
}
expect_error "describe of a missing stream fails with ResourceNotFoundException" \
	"An error occurred (ResourceNotFoundException) when calling the DescribeDeliveryStream operation: Firehose missing under account 000000000000 not found." \
	describe-delivery-stream --delivery-stream-name missing
expect_error "update-destination from a stale version fails with ConcurrentModificationException" \
	"An error occurred (ConcurrentModificationException) when calling the UpdateDestination operation: Another modification has already happened. Fetch VersionId again and use it to update the destination." \
	update-destination --delivery-stream-name orders --current-delivery-stream-version-id 1 \
	--destination-id destinationId-000000000001 --extended-s3-destination-update Prefix=stale/
expect_error "create with an existing name fails with ResourceInUseException" \
	"An error occurred (ResourceInUseException) when calling the CreateDeliveryStream operation: Firehose orders under account 000000000000 already exists." \
	create-delivery-stream --delivery-stream-name orders \
	--extended-s3-destination-configuration RoleARN=arn:aws:iam::000000000000:role/fh,BucketARN=arn:aws:s3:::analytics

# --- delete ---------------------------------------------------------------

out="$(fh_ok delete-delivery-stream --delivery-stream-name audit)"
check "delete-delivery-stream answers {}" "$out" '. == {}'
wait_until 30 "audit removed" is_gone audit && pass "a deleted stream is removed"
out="$(fh_ok list-delivery-streams)"
check "the deleted stream is no longer listed" "$out" '.DeliveryStreamNames == ["orders"]'

# --- restart on the same data directory --------------------------------------

before="$(fh_ok describe-delivery-stream --delivery-stream-name orders)"
tags_before="$(fh_ok list-tags-for-delivery-stream --delivery-stream-name orders)"
stop_server
start_server
after="$(fh_ok describe-delivery-stream --delivery-stream-name orders)"
if [[ "$(jq -S . <<<"$before")" == "$(jq -S . <<<"$after")" ]]; then
	pass "after a restart the stream is described identically"
else
	fail "after a restart the stream is described identically" "before: $before after: $after"
fi
out="$(fh_ok list-tags-for-delivery-stream --delivery-stream-name orders)"
if [[ "$out" == "$tags_before" ]]; then pass "tags survive a restart"; else fail "tags survive a restart" "$tags_before vs $out"; fi
out="$(fh_ok list-delivery-streams)"
check "the stream list survives a restart" "$out" '.DeliveryStreamNames == ["orders"]'
fh_ok update-destination --delivery-stream-name orders --current-delivery-stream-version-id 2 \
	--destination-id destinationId-000000000001 --extended-s3-destination-update Prefix=v3/ >/dev/null
out="$(fh_ok describe-delivery-stream --delivery-stream-name orders)"
check "the restarted server goes on from VersionId 2" "$out" '.DeliveryStreamDescription.VersionId == "3"'

PASSED="$(grep -c '^pass$' "$RESULTS" || true)"
FAILED="$(grep -c '^fail$' "$RESULTS" || true)"
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 && $PASSED -gt 0 ]]
