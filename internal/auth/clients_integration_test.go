package auth_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/sigv4"
)

// The real clients other than the Go SDK run in their own processes: the AWS CLI, boto3 and
// the AWS SDK for JavaScript v3 under Node. Each gets the same plan (the server, two tampering
// proxies, the key) and must be let in with the right secret and refused, with AWS's code and
// message, in every other case. They are skipped where the client is not installed, except in
// CI, where a missing client is a failure (`make test-deps` installs the Node one).

// clientPlan is what the client scripts read from SLUICE_CLIENT_PLAN.
type clientPlan struct {
	Endpoint    string `json:"endpoint"`
	PlainProxy  string `json:"plainProxy"`
	BodyProxy   string `json:"bodyProxy"`
	HeaderProxy string `json:"headerProxy"`
	Key         string `json:"key"`
	Secret      string `json:"secret"`
	Region      string `json:"region"`
	WrongRegion string `json:"wrongRegion"`
	Stream      string `json:"stream"`
	SkewSeconds int    `json:"skewSeconds"`
	CABundle    string `json:"caBundle,omitempty"`
}

// outcome is one line a client script prints.
type outcome struct {
	Case    string          `json:"case"`
	Op      string          `json:"op"`
	OK      bool            `json:"ok"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Result  json.RawMessage `json:"result"`
}

// expectation is what AWS answers in each case.
type expectation struct {
	caseName, op string
	code, msg    string // empty code: success
}

var clientExpectations = []expectation{
	{"good", "ListDeliveryStreams", "", ""},
	{"good", "PutRecord", "", ""},
	// Through a proxy that changes nothing: proves the tampering proxies alter only what they
	// mean to.
	{"proxied", "ListDeliveryStreams", "", ""},
	{"wrong-secret", "ListDeliveryStreams", sigv4.CodeInvalidSignature, sigv4.MsgSignatureDoesNotMatch},
	{"tampered-body", "ListDeliveryStreams", sigv4.CodeInvalidSignature, sigv4.MsgSignatureDoesNotMatch},
	{"tampered-header", "ListDeliveryStreams", sigv4.CodeInvalidSignature, sigv4.MsgSignatureDoesNotMatch},
	{"expired", "ListDeliveryStreams", sigv4.CodeInvalidSignature, "Signature expired: "},
	{"wrong-region", "ListDeliveryStreams", sigv4.CodeInvalidSignature, "Credential should be scoped to a valid region, not 'ap-south-1'."},
	{"missing-signature", "ListDeliveryStreams", sigv4.CodeMissingAuthenticationToken, sigv4.MsgMissingAuthenticationToken},
}

// startClientTarget starts a server with credentials, an ACTIVE stream and the two tampering
// proxies, and returns the plan for the client scripts.
func startClientTarget(t *testing.T) clientPlan {
	t.Helper()
	srv := apptest.Start(t, withAccounts)
	createStream(t, firehoseClient(srv, keyA, secretA, "us-east-1"), "orders")
	return clientPlan{
		Endpoint:    srv.URL,
		PlainProxy:  tamperProxy(t, srv.URL, func(_ *http.Request, body []byte) []byte { return body }),
		BodyProxy:   tamperProxy(t, srv.URL, bodyTamperer),
		HeaderProxy: tamperProxy(t, srv.URL, headerTamperer),
		Key:         keyA,
		Secret:      secretA,
		Region:      "us-east-1",
		WrongRegion: "ap-south-1",
		Stream:      "orders",
		SkewSeconds: -600,
	}
}

func checkOutcomes(t *testing.T, client string, got []outcome) {
	t.Helper()
	if len(got) != len(clientExpectations) {
		t.Fatalf("%s ran %d cases, want %d: %+v", client, len(got), len(clientExpectations), got)
	}
	for i, want := range clientExpectations {
		o := got[i]
		if o.Case != want.caseName || o.Op != want.op {
			t.Errorf("%s case %d is %s/%s, want %s/%s", client, i, o.Case, o.Op, want.caseName, want.op)
			continue
		}
		switch {
		case want.code == "" && !o.OK:
			t.Errorf("%s %s %s: refused %s %q, want success", client, o.Case, o.Op, o.Code, o.Message)
		case want.code == "":
			if o.Op == "ListDeliveryStreams" && !strings.Contains(string(o.Result), `"orders"`) {
				t.Errorf("%s %s: result %s lacks the stream", client, o.Case, o.Result)
			}
			if o.Op == "PutRecord" && !strings.Contains(string(o.Result), `"RecordId"`) {
				t.Errorf("%s %s: result %s lacks RecordId", client, o.Case, o.Result)
			}
		case o.OK:
			t.Errorf("%s %s: accepted, want %s", client, o.Case, want.code)
		case o.Code != want.code || !strings.Contains(o.Message, want.msg):
			t.Errorf("%s %s: %s %q, want %s containing %q", client, o.Case, o.Code, o.Message, want.code, want.msg)
		}
	}
}

// repoRoot is the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// need skips (or in CI fails) when a client program is missing.
func need(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required in CI", what)
	}
	t.Skipf("%s is not installed here", what)
}

// clientEnv is the environment of a client process: this one's, without any AWS settings
// that could change what the client does (profiles, credentials, retries), plus the plan.
func clientEnv(t *testing.T, plan clientPlan, extra ...string) []string {
	t.Helper()
	raw, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	none := filepath.Join(t.TempDir(), "none")
	env = append(env,
		"AWS_CONFIG_FILE="+none,
		"AWS_SHARED_CREDENTIALS_FILE="+none,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_RETRY_MODE=standard",
		"AWS_MAX_ATTEMPTS=1",
		"SLUICE_CLIENT_PLAN="+string(raw),
	)
	return append(env, extra...)
}

// runScript runs a client script that prints outcome lines.
func runScript(t *testing.T, env []string, name string, args ...string) []outcome {
	t.Helper()
	cmd := exec.CommandContext(ctxT(t), name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, stdout.String(), stderr.String())
	}
	var out []outcome
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var o outcome
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("bad outcome line %q: %v", line, err)
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		t.Logf("%s stderr:\n%s", name, stderr.String())
	}
	return out
}

func TestBoto3Signatures(t *testing.T) {
	python, err := exec.LookPath("python3")
	need(t, err == nil && exec.Command(python, "-c", "import boto3").Run() == nil, "python3 with boto3")
	plan := startClientTarget(t)
	script := filepath.Join(repoRoot(t), "test", "python", "sigv4_clients.py")
	checkOutcomes(t, "boto3", runScript(t, clientEnv(t, plan), python, script))
}

func TestNodeSDKSignatures(t *testing.T) {
	node, err := exec.LookPath("node")
	need(t, err == nil, "node")
	dir := filepath.Join(repoRoot(t), "test", "node")
	_, err = os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-firehose"))
	need(t, err == nil, "@aws-sdk/client-firehose in test/node (make test-deps)")
	plan := startClientTarget(t)
	checkOutcomes(t, "node", runScript(t, clientEnv(t, plan), node, filepath.Join(dir, "sigv4_clients.mjs")))
}

// cliError is how the AWS CLI reports a service error on stderr.
var cliError = regexp.MustCompile(`An error occurred \(([^)]*)\) when calling the (\w+) operation(?: \([^)]*\))?: (.*)`)

func TestAWSCLISignatures(t *testing.T) {
	aws, err := exec.LookPath("aws")
	need(t, err == nil, "the AWS CLI")
	python, err := exec.LookPath("python3")
	need(t, err == nil && exec.Command(python, "-c", "import awscli").Run() == nil, "python3 with awscli")
	plan := startClientTarget(t)
	skewed := filepath.Join(repoRoot(t), "test", "python", "skewed_aws.py")

	run := func(caseName, op string, endpoint, secret, region string, prefix []string, extra ...string) outcome {
		t.Helper()
		env := clientEnv(t, plan, "AWS_ACCESS_KEY_ID="+plan.Key, "AWS_SECRET_ACCESS_KEY="+secret)
		args := append([]string{}, prefix[1:]...)
		args = append(args, "--endpoint-url", endpoint, "--region", region, "--output", "json")
		args = append(args, extra...)
		cmd := exec.CommandContext(ctxT(t), prefix[0], args...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		o := outcome{Case: caseName, Op: op}
		if err == nil {
			o.OK, o.Result = true, json.RawMessage(stdout.Bytes())
			return o
		}
		m := cliError.FindStringSubmatch(stderr.String())
		if m == nil {
			t.Fatalf("aws %v: %v\nstderr:\n%s", args, err, stderr.String())
		}
		o.Code, o.Message = m[1], strings.TrimSpace(m[3])
		return o
	}
	cli := []string{aws}
	list := []string{"firehose", "list-delivery-streams", "--limit", "10"}
	got := []outcome{
		run("good", "ListDeliveryStreams", plan.Endpoint, plan.Secret, plan.Region, cli, list...),
		run("good", "PutRecord", plan.Endpoint, plan.Secret, plan.Region, cli,
			"firehose", "put-record", "--delivery-stream-name", plan.Stream, "--record", `{"Data":"hello from the CLI"}`),
		run("proxied", "ListDeliveryStreams", plan.PlainProxy, plan.Secret, plan.Region, cli, list...),
		run("wrong-secret", "ListDeliveryStreams", plan.Endpoint, "not-"+plan.Secret, plan.Region, cli, list...),
		run("tampered-body", "ListDeliveryStreams", plan.BodyProxy, plan.Secret, plan.Region, cli, list...),
		run("tampered-header", "ListDeliveryStreams", plan.HeaderProxy, plan.Secret, plan.Region, cli, list...),
		run("expired", "ListDeliveryStreams", plan.Endpoint, plan.Secret, plan.Region, []string{python, skewed, "-600"}, list...),
		run("wrong-region", "ListDeliveryStreams", plan.Endpoint, plan.Secret, plan.WrongRegion, cli, list...),
		run("missing-signature", "ListDeliveryStreams", plan.Endpoint, plan.Secret, plan.Region, cli, append([]string{"--no-sign-request"}, list...)...),
	}
	checkOutcomes(t, "aws cli", got)
}
