package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// MaxMessageBytes is the largest record group the store accepts.
const MaxMessageBytes = 16 << 20

// Config says where JetStream lives and how records are kept.
type Config struct {
	// DataDir holds the embedded server's files (under DataDir/jetstream).
	DataDir string
	// NatsURL, when set, connects to an external NATS cluster instead of
	// starting an embedded server.
	NatsURL string
	// Replicas is the replication factor of buckets and the record log on
	// an external cluster (1 for the embedded server).
	Replicas int
	// RecordMaxAge is how long an undelivered record is kept (AWS: 24 h).
	RecordMaxAge time.Duration
	// RecordMaxBytes bounds the record log on disk; when it is full new
	// records are refused rather than old ones dropped. 0 means no bound.
	RecordMaxBytes int64
	// RecentBytes bounds the freshly stored groups kept in memory for
	// delivery (recent.go): 0 means DefaultRecentBytes, negative none, so
	// delivery reads every group back from the record log.
	RecentBytes int
}

// Store is an open connection to JetStream, with the embedded server when
// there is one.
type Store struct {
	cfg     Config
	log     *slog.Logger
	server  *server.Server // nil with an external cluster
	conn    *nats.Conn
	js      jetstream.JetStream
	records jetstream.Stream
	recent  *recentGroups
	budget  *diskBudget // nil without a budget, or on a cluster (budget.go)
}

// Mode describes the storage mode for start-up logs.
func (s *Store) Mode() string {
	if s.server != nil {
		return "embedded JetStream at " + filepath.Join(s.cfg.DataDir, "jetstream")
	}
	return "external NATS at " + s.cfg.NatsURL
}

// Open starts (or connects to) JetStream and makes sure the record log
// exists with the configured limits.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Store, error) {
	if cfg.Replicas < 1 {
		cfg.Replicas = 1
	}
	if cfg.RecentBytes == 0 {
		cfg.RecentBytes = DefaultRecentBytes
	}
	s := &Store{cfg: cfg, log: log, recent: newRecentGroups(max(cfg.RecentBytes, 0))}
	var err error
	if cfg.NatsURL == "" {
		if s.server, err = startEmbedded(cfg.DataDir); err != nil {
			return nil, err
		}
		s.conn, err = nats.Connect(s.server.ClientURL(), nats.InProcessServer(s.server), nats.Name("sluice"))
	} else {
		s.conn, err = nats.Connect(cfg.NatsURL, nats.Name("sluice"), nats.MaxReconnects(-1))
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if s.js, err = jetstream.New(s.conn); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: jetstream: %w", err)
	}
	if s.records, err = s.openRecordLog(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.server != nil && cfg.RecordMaxBytes > 0 {
		if s.budget, err = s.newDiskBudget(ctx, cfg.RecordMaxBytes); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func startEmbedded(dataDir string) (*server.Server, error) {
	dir := filepath.Join(dataDir, "jetstream")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create %s: %w", dir, err)
	}
	opts := &server.Options{
		ServerName: "sluice",
		DontListen: true,
		JetStream:  true,
		StoreDir:   dir,
		// Every acknowledged record must survive a crash of the process
		// and of the machine: fsync each write before JetStream acks it.
		SyncAlways: true,
		NoLog:      true,
		NoSigs:     true,
		// One stored message holds a whole PutRecordBatch (up to 4 MiB of
		// data) or a group of concurrent calls; the default 1 MiB is too
		// small. An external cluster needs max_payload of at least this.
		MaxPayload: MaxMessageBytes,
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("store: embedded nats-server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("store: embedded nats-server did not become ready")
	}
	return ns, nil
}

// Close drains the connection and stops the embedded server. JetStream has
// already synced every acknowledged write, so nothing is lost here.
func (s *Store) Close() {
	if s.conn != nil {
		s.conn.Close()
	}
	if s.server != nil {
		s.server.Shutdown()
		s.server.WaitForShutdown()
	}
}

// Bucket opens (creating if needed) a key-value bucket of the catalog.
func (s *Store) Bucket(ctx context.Context, name string) (*Bucket, error) {
	kvb, err := s.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   name,
		History:  1,
		Storage:  jetstream.FileStorage,
		Replicas: s.cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open bucket %s: %w", name, err)
	}
	return &Bucket{kv: kvb}, nil
}
