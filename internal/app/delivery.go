package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/sluicehq/sluice/internal/bucketstore"
	"github.com/sluicehq/sluice/internal/delivery"
	"github.com/sluicehq/sluice/internal/destination"
	"github.com/sluicehq/sluice/internal/destination/s3"
	"github.com/sluicehq/sluice/internal/store"
)

// startDelivery builds where S3 destinations write (the configured S3
// endpoint, or the built-in bucket store, whose S3 API then shares the
// port) and starts the delivery manager on bg. It returns the bucket store's
// HTTP handler, nil with an external endpoint.
func (a *App) startDelivery(ctx, bg context.Context, st *store.Store) (http.Handler, error) {
	var (
		objects destination.ObjectStore
		handler http.Handler
	)
	if a.cfg.S3Endpoint != "" {
		region := a.cfg.S3Region
		if region == "" {
			region = a.cfg.Region
		}
		client, err := s3.New(ctx, s3.Config{
			Endpoint:  a.cfg.S3Endpoint,
			Region:    region,
			PathStyle: a.cfg.S3PathStyle,
			AccessKey: a.cfg.S3AccessKey,
			SecretKey: a.cfg.S3SecretKey,
		})
		if err != nil {
			return nil, fmt.Errorf("app: s3 destination: %w", err)
		}
		objects = client
		a.log.Info("S3 destinations write to an external endpoint", "endpoint", a.cfg.S3Endpoint, "region", region,
			"path_style", a.cfg.S3PathStyle)
	} else {
		dir := filepath.Join(a.cfg.DataDir, "buckets")
		buckets, err := bucketstore.New(bucketstore.Config{Dir: dir}, a.log.With("component", "bucketstore"))
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, func() { _ = buckets.Close() })
		objects = buckets
		// S3 calls on the port are verified by the same SigV4
		// authenticator as the JSON APIs, with signing name "s3".
		handler = bucketstore.NewHandler(bucketstore.HandlerConfig{Region: a.cfg.Region}, buckets,
			a.identifyS3, a.log.With("component", "bucketstore"))
		a.log.Info("S3 destinations write to the built-in bucket store; its S3 API is on the listen port", "dir", dir)
	}

	leases, err := st.Bucket(ctx, "sluice_delivery")
	if err != nil {
		return nil, err
	}
	node, err := delivery.LoadNodeID(a.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	mgr := delivery.NewManager(delivery.Config{NodeID: node, RecordMaxAge: a.cfg.RecordMaxAge}, delivery.Deps{
		Streams:   a.streams,
		Records:   deliveryLog{st},
		Objects:   objects,
		Leases:    leases,
		Metrics:   a.metrics,
		Decrypter: a.sealer,
		Log:       a.log.With("component", "delivery"),
	})
	a.background.Add(1)
	go func() {
		defer a.background.Done()
		mgr.Run(bg)
	}()
	return handler, nil
}

// deliveryLog adapts the store's consumers to the delivery runner.
type deliveryLog struct{ st *store.Store }

func (l deliveryLog) OpenConsumer(ctx context.Context, uid string) (delivery.Consumer, error) {
	c, err := l.st.OpenConsumer(ctx, uid, store.ConsumerConfig{})
	if err != nil {
		return nil, err
	}
	return deliveryConsumer{c}, nil
}

func (l deliveryLog) DeleteConsumer(ctx context.Context, uid string) error {
	return l.st.DeleteConsumer(ctx, uid)
}

type deliveryConsumer struct{ c *store.Consumer }

func (d deliveryConsumer) Next(ctx context.Context, maxWait time.Duration) (delivery.Message, bool, error) {
	m, err := d.c.Next(ctx, maxWait)
	if err != nil || m == nil {
		return delivery.Message{}, false, err
	}
	return delivery.Message{Seq: m.Sequence, Data: m.Data, Delivery: m.DeliverySeq}, true, nil
}

func (d deliveryConsumer) AckThrough(ctx context.Context, seq uint64) error {
	return d.c.AckThrough(ctx, seq)
}

func (d deliveryConsumer) Close() { d.c.Close() }

// runClosers releases what startDelivery opened, once.
func (a *App) runClosers() {
	for _, c := range a.closers {
		c()
	}
	a.closers = nil
}
