#!/usr/bin/env bash
# Ingest throughput with server-side encryption on, as a ratio to
# encryption off, measured in the same run against the same server.
#
# It builds ./cmd/sluice, starts one server on a free loopback port with a
# temporary data directory, creates three streams with the AWS CLI (no SSE;
# SSE with AWS_OWNED_CMK; SSE with a customer key of the built-in KMS), and
# runs `sluice bench` against each in turn, ROUNDS times, interleaved so
# that drift of the machine affects all three alike. For every run it
# prints records/s and the server's CPU time per record (from /proc), and
# at the end the medians and the ratios to the unencrypted stream.
#
# Settings (environment): ROUNDS (3), DURATION (10s), CONCURRENCY (16),
# BATCH (500), RECORD (1024).
#
# Needs: bash, go, aws, jq, curl, awk; Linux (/proc).
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONCURRENCY=${CONCURRENCY:-16}
BATCH=${BATCH:-500}
RECORD=${RECORD:-1024}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-sse-bench.XXXXXX")"
SERVER_PID=""
cleanup() {
	if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials" AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"

echo "# building ./cmd/sluice"
(cd "$ROOT" && go build -o "$WORK/sluice" ./cmd/sluice)
"$WORK/sluice" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" --create-delay 0s --encryption-delay 0s \
	--log-format json >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
addr=""
for _ in $(seq 1 600); do
	kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
	addr="$(jq -rR 'fromjson? | select(.msg == "sluice listening") | .addr' "$WORK/server.log" | head -n1)"
	[[ -z "$addr" ]] || break
	sleep 0.1
done
[[ -n "$addr" ]] || { echo "sluice did not start" >&2; exit 1; }
ENDPOINT="http://$addr"
echo "# sluice listening on $ENDPOINT; $(nproc) CPUs; $ROUNDS rounds of $DURATION, $CONCURRENCY workers, $BATCH x $RECORD B per PutRecordBatch"

fh() { aws --endpoint-url "$ENDPOINT" --output json firehose "$@"; }
KEY_ARN="$(aws --endpoint-url "$ENDPOINT" --output json kms create-key | jq -r .KeyMetadata.Arn)"
dest='{"RoleARN": "arn:aws:iam::000000000000:role/sluice-bench", "BucketARN": "arn:aws:s3:::sluice-bench"}'
fh create-delivery-stream --delivery-stream-name plain --extended-s3-destination-configuration "$dest" >/dev/null
fh create-delivery-stream --delivery-stream-name owned --extended-s3-destination-configuration "$dest" \
	--delivery-stream-encryption-configuration-input KeyType=AWS_OWNED_CMK >/dev/null
fh create-delivery-stream --delivery-stream-name cmk --extended-s3-destination-configuration "$dest" \
	--delivery-stream-encryption-configuration-input "KeyType=CUSTOMER_MANAGED_CMK,KeyARN=$KEY_ARN" >/dev/null
for s in plain owned cmk; do
	until [[ "$(fh describe-delivery-stream --delivery-stream-name "$s" | jq -r .DeliveryStreamDescription.DeliveryStreamStatus)" == ACTIVE ]]; do sleep 0.2; done
done
for s in owned cmk; do
	[[ "$(fh describe-delivery-stream --delivery-stream-name "$s" | jq -r .DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration.Status)" == ENABLED ]] ||
		{ echo "$s: encryption is not ENABLED" >&2; exit 1; }
done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
TICK=$(getconf CLK_TCK)

declare -A RATES CPUS
for round in $(seq 1 "$ROUNDS"); do
	for s in plain owned cmk; do
		before=$(cpu_ticks)
		out="$("$WORK/sluice" bench --target "$ENDPOINT" --stream "$s" --duration "$DURATION" \
			--concurrency "$CONCURRENCY" --batch-size "$BATCH" --record-size "$RECORD")"
		after=$(cpu_ticks)
		rate="$(awk '$1 == "records" { print $3 }' <<<"$out")"
		records="$(awk '$1 == "records" { print $2 }' <<<"$out")"
		errors="$(awk '$1 == "errors" { $1 = ""; print }' <<<"$out")"
		us=$(awk -v t=$((after - before)) -v hz="$TICK" -v n="$records" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
		printf 'round %d  %-5s  %10.0f records/s  server CPU %6s µs/record  errors:%s\n' "$round" "$s" "$rate" "$us" "$errors"
		RATES[$s]+="$rate "
		CPUS[$s]+="$us "
	done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
base_rate=$(median "${RATES[plain]}")
base_cpu=$(median "${CPUS[plain]}")
echo
printf '%-6s %14s %10s %16s %10s\n' stream "records/s" "ratio" "CPU µs/record" "ratio"
for s in plain owned cmk; do
	r=$(median "${RATES[$s]}")
	c=$(median "${CPUS[$s]}")
	printf '%-6s %14.0f %10.3f %16.2f %10.3f\n' "$s" "$r" "$(awk -v a="$r" -v b="$base_rate" 'BEGIN { print a / b }')" \
		"$c" "$(awk -v a="$c" -v b="$base_cpu" 'BEGIN { print a / b }')"
done
if grep -q '"internal failure"' "$WORK/server.log"; then
	echo
	echo "# internal failures logged by the server, by cause:"
	jq -rR 'fromjson? | select(.msg == "internal failure") | .err' "$WORK/server.log" | sed -E 's/[0-9a-f]{24}/<uid>/g' | sort | uniq -c | sort -rn | head -5
fi
