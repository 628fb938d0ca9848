#!/usr/bin/env bash
# Shared set-up of the end-to-end scripts, sourced after they set WORK (a
# temporary directory), RESULTS (the results file) and SERVER_PID (empty).
# It stops the server and removes WORK on exit (SLUICE_E2E_KEEP=1 keeps it
# after a failure), checks the tools, and gives the AWS CLI a clean,
# test-only environment.

stop_server() {
	if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "sluice did not stop on SIGTERM; killing it" >&2
			kill -KILL "$SERVER_PID" 2>/dev/null || true
		fi
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	SERVER_PID=""
}
cleanup() {
	local status=$?
	stop_server
	if [[ $status -ne 0 && -n "${SLUICE_E2E_KEEP:-}" ]]; then
		echo "keeping $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in "${GO:-go}" aws jq curl; do
	command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done

# The AWS CLI must see only this test's settings.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
# The CLI's default retry mode retries throttling and 5xx only, so every
# error checked here arrives on the first attempt, printed as users see it.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE AWS_RETRY_MODE AWS_MAX_ATTEMPTS
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"
: >"$RESULTS"
