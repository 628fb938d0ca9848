package crash

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluicehq/sluice/internal/app"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/records"
	"github.com/sluicehq/sluice/internal/testbin"
)

const (
	rounds       = 5
	streamName   = "crash"
	batchWorkers = 4
	batchSize    = 100
	putWorkers   = 8
	account      = "000000000000"
	region       = "us-east-1"
)

// TestAcknowledgedRecordsSurviveSIGKILL is the crash test of the issue
// "Durable, fast ingest". Each round starts the binary on the same data
// directory, loads it from concurrent clients, and SIGKILLs it once a
// random number of calls have been acknowledged, with calls in flight. At
// the end the data directory is opened again and every acknowledged record
// must be there, byte for byte, with each call's records together and in
// order. Records of calls that were in flight at the kill may or may not
// be stored (the caller never heard back), but if stored they must be
// intact too.
func TestAcknowledgedRecordsSurviveSIGKILL(t *testing.T) {
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
	rng := rand.New(rand.NewPCG(seed, 0))

	var acked ackLog
	for round := range rounds {
		srv := startServer(t, bin, dataDir)
		c := client(srv.url)
		if round == 0 {
			createStream(t, c)
		}
		killAfter := 20 + rng.IntN(100)
		n := load(t, c, round, killAfter, &acked, srv)
		t.Logf("round %d: killed with SIGKILL after %d acknowledged calls", round+1, n)
	}
	checkStored(t, dataDir, &acked)
}

// server is one run of the binary.
type server struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
}

func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("SIGKILL: %v", err)
	}
	<-s.exited
}

func startServer(t *testing.T, bin, dataDir string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", dataDir,
		"--create-delay", "0s", "--log-level", "warn")
	var logs bytes.Buffer
	cmd.Stderr = &syncWriter{w: &logs}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sluice: %v", err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.exited
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("sluice exited while starting on %s:\n%s", dataDir, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluice not ready after 60s:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func client(url string) *fh.Client {
	return fh.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDCRASH", "secret", ""),
		BaseEndpoint: aws.String(url),
		// Retries would blur which attempt was acknowledged.
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	})
}

// createStream creates the stream with the largest buffering hints, so that
// no delivery (once delivery exists) consumes records during the test.
func createStream(t *testing.T, c *fh.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(streamName),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN:        aws.String("arn:aws:iam::000000000000:role/fh"),
			BucketARN:      aws.String("arn:aws:s3:::crash"),
			BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(128), IntervalInSeconds: aws.Int32(900)},
		},
	})
	if err != nil {
		t.Fatalf("create stream: %v", err)
	}
	for {
		out, err := c.DescribeDeliveryStream(ctx, &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(streamName)})
		if err != nil {
			t.Fatalf("describe stream: %v", err)
		}
		if out.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusActive {
			return
		}
		if ctx.Err() != nil {
			t.Fatal("stream never became ACTIVE")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Payloads are unique and self-verifying: a header naming the record, then
// filler of a length and content derived from the header, so the check can
// rebuild every byte without keeping the payloads.
func payload(id string) []byte {
	h := fnv.New64a()
	h.Write([]byte(id))
	sum := h.Sum64()
	r := rand.New(rand.NewPCG(sum, sum>>7))
	n := r.IntN(2048)
	out := make([]byte, 0, len(id)+1+n)
	out = append(out, id...)
	out = append(out, '|')
	var word [8]byte
	for len(out) < cap(out) {
		binary.LittleEndian.PutUint64(word[:], r.Uint64())
		out = append(out, word[:min(8, cap(out)-len(out))]...)
	}
	return out
}

func recordID(p []byte) (string, bool) {
	i := bytes.IndexByte(p, '|')
	if i < 0 {
		return "", false
	}
	return string(p[:i]), true
}

// ackLog collects the ids of acknowledged records, one slice per call.
type ackLog struct {
	mu    sync.Mutex
	calls [][]string
	n     int
}

func (a *ackLog) add(ids []string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, ids)
	a.n += len(ids)
	return len(a.calls)
}

// load runs the workers until killAfter calls of this round have been
// acknowledged, then SIGKILLs the server with calls in flight and waits
// for every worker to notice.
func load(t *testing.T, c *fh.Client, round, killAfter int, acked *ackLog, srv *server) int {
	t.Helper()
	var done atomic.Int64
	reached := make(chan struct{})
	var once sync.Once
	ack := func(ids []string) {
		acked.add(ids)
		if done.Add(1) == int64(killAfter) {
			once.Do(func() { close(reached) })
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for w := range batchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for call := 0; ; call++ {
				ids := make([]string, batchSize)
				batch := make([]types.Record, batchSize)
				for i := range batch {
					ids[i] = fmt.Sprintf("r%d/b%d/c%d/i%d", round, w, call, i)
					batch[i].Data = payload(ids[i])
				}
				out, err := c.PutRecordBatch(ctx, &fh.PutRecordBatchInput{DeliveryStreamName: aws.String(streamName), Records: batch})
				if err != nil {
					return // the server is gone (or going)
				}
				if aws.ToInt32(out.FailedPutCount) != 0 {
					t.Errorf("batch %s: %d records failed", ids[0], aws.ToInt32(out.FailedPutCount))
					return
				}
				ack(ids)
			}
		}()
	}
	for w := range putWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for call := 0; ; call++ {
				id := fmt.Sprintf("r%d/p%d/c%d/i0", round, w, call)
				if _, err := c.PutRecord(ctx, &fh.PutRecordInput{DeliveryStreamName: aws.String(streamName),
					Record: &types.Record{Data: payload(id)}}); err != nil {
					return
				}
				ack([]string{id})
			}
		}()
	}
	select {
	case <-reached:
	case <-ctx.Done():
		t.Fatalf("round %d: %d of %d calls acknowledged before the time limit", round, done.Load(), killAfter)
	}
	srv.kill(t)
	wg.Wait()
	return int(done.Load())
}

// checkStored opens the data directory of the dead server in this process
// (the same storage code the binary runs) and checks every stored record
// against the acknowledgements.
func checkStored(t *testing.T, dataDir string, acked *ackLog) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := config.Defaults()
	cfg.DataDir = dataDir
	cfg.Listen = "127.0.0.1:0"
	a := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Start(ctx); err != nil {
		t.Fatalf("reopen %s: %v", dataDir, err)
	}
	defer a.Shutdown(context.Background())
	ds, err := a.Streams().Lookup(ctx, firehose.Caller{AccountID: account, Region: region}, streamName)
	if err != nil {
		t.Fatalf("lookup %s: %v", streamName, err)
	}

	// position of each stored record, in storage order
	where := map[string]int{}
	pos, messages := 0, 0
	for from := uint64(0); ; {
		groups, err := a.Store().ReadRecords(ctx, ds.UID, from, 512)
		if err != nil {
			t.Fatalf("read records: %v", err)
		}
		if len(groups) == 0 {
			break
		}
		for _, g := range groups {
			messages++
			m, err := records.Parse(g.Data)
			if err != nil {
				t.Fatalf("message %d: %v", g.Sequence, err)
			}
			r, err := m.Records()
			if err != nil {
				t.Fatalf("message %d: %v", g.Sequence, err)
			}
			for r.Next() {
				id, ok := recordID(r.Data())
				if !ok || !bytes.Equal(r.Data(), payload(id)) {
					t.Fatalf("message %d record %d is not a payload the test sent (%d bytes, id %q): corrupt", g.Sequence, r.Index(), len(r.Data()), id)
				}
				if _, dup := where[id]; dup {
					t.Fatalf("record %s stored twice", id)
				}
				where[id] = pos
				pos++
			}
			from = g.Sequence + 1
		}
	}

	acked.mu.Lock()
	defer acked.mu.Unlock()
	for _, call := range acked.calls {
		first, ok := where[call[0]]
		if !ok {
			t.Fatalf("acknowledged record %s is not stored", call[0])
		}
		for i, id := range call {
			p, ok := where[id]
			if !ok {
				t.Fatalf("acknowledged record %s is not stored", id)
			}
			if p != first+i {
				t.Fatalf("record %s stored at %d, want %d: a call's records were split or reordered", id, p, first+i)
			}
		}
	}
	t.Logf("checked %d acknowledged records from %d calls byte for byte; %d records stored in %d messages (%d from calls in flight at a kill)",
		acked.n, len(acked.calls), pos, messages, pos-acked.n)
}
