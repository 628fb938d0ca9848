package delivery_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/destination/s3/s3test"
)

// startNATS runs a stand-alone nats-server with JetStream on loopback, as a
// user's own NATS would be, and returns its client URL.
func startNATS(t *testing.T) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		SyncAlways: true, NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	return ns.ClientURL()
}

// Two Sluice nodes on one external NATS (--nats-url) serve the same
// streams: a stream created on one is usable on the other, records put
// through either are all delivered, each exactly once, because one node at
// a time holds a stream's delivery lease; and when the node delivering a
// stream stops, the other takes its deliveries over.
func TestTwoNodesShareStreamsThroughExternalNATS(t *testing.T) {
	natsURL := startNATS(t)
	gw := s3test.Start(t)
	gw.CreateBucket("shared")
	external := func(c *config.Config) { c.NatsURL = natsURL }

	// Node A alone first: it creates the stream and, delivering the first
	// batch, takes the stream's lease.
	a := apptest.Start(t, external, withS3(gw))
	ca := a.Firehose()
	createStream(t, ca, "orders", "shared")
	var want []string
	put := func(c *fh.Client, batches int) {
		for range batches {
			recs := records("orders", len(want), 25)
			want = append(want, recs...)
			putBatch(t, c, "orders", recs)
		}
	}
	put(ca, 1)
	waitDelivered(t, gw, want)

	b := apptest.Start(t, external, withS3(gw))
	cb := b.Firehose()
	waitActive(t, cb, "orders") // the catalog is shared
	for range 10 {
		put(ca, 1)
		put(cb, 1)
	}
	waitDelivered(t, gw, want)

	// A stops; what is put through B from now on is delivered by B.
	a.Stop()
	put(cb, 5)
	waitDelivered(t, gw, want)

	// The stream can be deleted from the node that did not create it.
	if _, err := cb.DeleteDeliveryStream(ctxT(t), &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	apptest.Eventually(t, waitFor, "the stream gone", func() bool {
		out, err := cb.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
		return err == nil && len(out.DeliveryStreamNames) == 0
	})
}

// waitDelivered waits until the bucket holds every record of want, and
// then checks that it holds each exactly once and nothing else.
func waitDelivered(t *testing.T, gw *s3test.Server, want []string) {
	t.Helper()
	var got []string
	apptest.Eventually(t, waitFor, fmt.Sprintf("%d records delivered", len(want)), func() bool {
		objects, err := gw.Objects(ctxT(t), "shared")
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for key, body := range objects {
			recs, err := splitRecords(body)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			got = append(got, recs...)
		}
		return len(got) >= len(want)
	})
	sorted := append([]string(nil), want...)
	sort.Strings(sorted)
	sort.Strings(got)
	if fmt.Sprint(got) != fmt.Sprint(sorted) {
		t.Fatalf("delivered %d records, want the %d put, each once", len(got), len(want))
	}
}
