package delivery_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/testbin"
)

// TestDeliverySurvivesSIGKILL runs the built binary, loads it with
// PutRecordBatch while it delivers to the built-in bucket store, kills it
// with SIGKILL at random moments (so some batches are written and not yet
// acknowledged, others half built), restarts it on the same data
// directory, and finally checks the delivered objects: every acknowledged
// record is in exactly one object, byte for byte.
func TestDeliverySurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the sluice binary")
	}
	bin := testbin.BuildSluice(t)
	dataDir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SLUICE_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (set SLUICE_CRASH_SEED to replay the kill points)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	var mu sync.Mutex
	var client *fh.Client
	current := func() *fh.Client {
		mu.Lock()
		defer mu.Unlock()
		return client
	}
	l := newLedger()
	const rounds = 4
	for round := 0; round < rounds; round++ {
		proc := startBinary(t, bin, dataDir)
		mu.Lock()
		client = proc.firehose()
		mu.Unlock()
		if round == 0 {
			createStream(t, current(), "crash", "crash", func(cfg *types.ExtendedS3DestinationConfiguration) {
				cfg.CompressionFormat = types.CompressionFormatGzip
				cfg.Prefix = aws.String("crash/")
			})
		}
		p := startProducer(t, current, "crash", strconv.Itoa(round), l, 4)
		target := int64(10 + rng.IntN(60))
		apptest.Eventually(t, waitFor, "load before the kill", func() bool { return p.batches.Load() >= target })
		// Kill after a random extra moment, with puts and deliveries in flight.
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		proc.kill()
		p.halt()
		t.Logf("round %d: SIGKILL after %d acknowledged batches", round+1, p.batches.Load())
	}

	proc := startBinary(t, bin, dataDir)
	s3c := s3.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")},
		func(o *s3.Options) { o.BaseEndpoint = aws.String(proc.url); o.UsePathStyle = true })
	var objs map[string][]byte
	apptest.Eventually(t, 2*waitFor, "every acknowledged record delivered", func() bool {
		var err error
		objs, err = listAll(ctxT(t), s3c, "crash")
		if err != nil {
			return false
		}
		missing, _, _, err := l.check(objs, "GZIP")
		return err == nil && len(missing) == 0
	})
	missing, dup, extra, err := l.check(objs, "GZIP")
	if err != nil || len(missing) != 0 || len(dup) != 0 {
		t.Fatalf("err %v, %d missing, %d duplicated across objects", err, len(missing), len(dup))
	}
	t.Logf("checked %d acknowledged records byte for byte in %d objects after %d kills (%d delivered records came from calls in flight at a kill)",
		l.size(), len(objs), rounds, extra)
}

type process struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
	logs   *bytes.Buffer
}

func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

func (p *process) firehose() *fh.Client {
	return fh.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		BaseEndpoint: aws.String(p.url),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	})
}

type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func startBinary(t *testing.T, bin, dataDir string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", dataDir, "--create-delay", "0s", "--log-level", "warn")
	logs := &bytes.Buffer{}
	cmd.Stderr = &lockedBuffer{b: logs}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sluice: %v", err)
	}
	p := &process{cmd: cmd, url: "http://" + addr, exited: make(chan struct{}), logs: logs}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	apptest.Eventually(t, 60*time.Second, "sluice ready", func() bool {
		resp, err := http.Get(p.url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}
