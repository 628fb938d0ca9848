package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/auth"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/envelope"
	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/firehoseapi"
	"github.com/sluicehq/sluice/internal/http1"
	"github.com/sluicehq/sluice/internal/ingest"
	"github.com/sluicehq/sluice/internal/kmsapi"
	"github.com/sluicehq/sluice/internal/metrics"
	"github.com/sluicehq/sluice/internal/store"
)

// maxBodyBytes bounds a request body. A full PutRecordBatch carries 4 MiB
// of data, which base64 and JSON framing grow to about 5.6 MB.
const maxBodyBytes = 6 << 20

// App is a running Sluice server.
type App struct {
	cfg config.Config
	log *slog.Logger

	metrics *metrics.Metrics
	store   *store.Store
	streams *firehose.Service
	ingest  *ingest.Ingester
	sealer  *envelope.Sealer // seals records of encrypted streams; delivery opens them
	// authn verifies SigV4 for every API on the port (firehose, kms, s3).
	authn *auth.Authenticator
	// bucketAPI is the built-in bucket store's S3 API (nil with
	// --s3-endpoint); closers release what delivery opened, after the
	// background work has stopped.
	bucketAPI http.Handler
	closers   []func()
	listener  net.Listener
	server    *http.Server
	front     *http1.Server // serves listener: a fast path in front of server

	stopBackground context.CancelFunc
	background     sync.WaitGroup
	ready          chan struct{}
}

// New prepares an App; nothing starts until Start.
func New(cfg config.Config, log *slog.Logger) *App {
	return &App{cfg: cfg, log: log, ready: make(chan struct{})}
}

// Start opens storage, builds the services and starts listening. It
// returns once the server accepts requests.
func (a *App) Start(ctx context.Context) error {
	st, err := store.Open(ctx, store.Config{
		DataDir:        a.cfg.DataDir,
		NatsURL:        a.cfg.NatsURL,
		Replicas:       a.cfg.NatsReplicas,
		RecordMaxAge:   a.cfg.RecordMaxAge,
		RecordMaxBytes: a.cfg.RecordMaxBytes,
	}, a.log)
	if err != nil {
		return err
	}
	a.store = st
	streamsBucket, err := st.Bucket(ctx, "sluice_streams")
	if err != nil {
		return a.abort(err)
	}
	a.metrics = metrics.New()
	a.streams = firehose.NewService(firehose.Config{
		CreateDelay:     a.cfg.CreateDelay,
		DeleteDelay:     a.cfg.DeleteDelay,
		EncryptionDelay: a.cfg.EncryptionDelay,
		MaxStreams:      a.cfg.MaxStreams,
		OnDeleted:       a.metrics.Forget,
	}, a.log.With("component", "firehose"), streamsBucket, st)

	keys, err := a.openKMS(ctx, st)
	if err != nil {
		return a.abort(err)
	}
	if a.sealer, err = a.wireEncryption(ctx, keys); err != nil {
		return a.abort(err)
	}
	a.ingest = ingest.New(ingest.Config{Quota: ingest.Quota{
		RecordsPerSecond:  a.cfg.QuotaRecordsPerSecond,
		RequestsPerSecond: a.cfg.QuotaRequestsPerSecond,
		BytesPerSecond:    a.cfg.QuotaBytesPerSecond,
	}}, a.streams, recordLog{st}, a.sealer, a.metrics)

	if a.authn, err = a.newAuthenticator(); err != nil {
		return a.abort(err)
	}
	api := awsproto.NewServer(awsproto.Config{MaxBodyBytes: maxBodyBytes, MaxInFlight: a.cfg.MaxInFlight},
		a.log.With("component", "api"), a.authn,
		firehoseapi.NewService(a.streams, a.ingest), kmsapi.NewService(keys))

	bg, cancel := context.WithCancel(context.Background())
	a.stopBackground = cancel
	a.background.Add(1)
	go func() {
		defer a.background.Done()
		a.streams.Run(bg)
	}()
	a.background.Add(1)
	go func() {
		defer a.background.Done()
		a.purgeDeletedKeys(bg, keys)
	}()
	if a.bucketAPI, err = a.startDelivery(ctx, bg, st); err != nil {
		return a.abort(err)
	}

	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return a.abort(fmt.Errorf("app: listen on %s: %w", a.cfg.Listen, err))
	}
	if ln, err = a.secureListener(ln); err != nil {
		return a.abort(err)
	}
	a.listener = ln
	a.server = &http.Server{
		Handler: a.routes(api),
		// Slow clients must not hold connections open forever
		// (slowloris): headers, then the whole request, each have a
		// deadline (a 6 MB body has a minute by default). WriteTimeout
		// runs from the end of the headers, so it leaves the body its
		// whole read time plus time to answer.
		ReadHeaderTimeout: a.cfg.ReadHeaderTimeout,
		ReadTimeout:       a.cfg.ReadTimeout,
		WriteTimeout:      a.cfg.ReadTimeout + 30*time.Second,
		IdleTimeout:       a.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	// AWS JSON calls on plain keep-alive connections take http1's fast
	// path; everything else is net/http's (internal/http1).
	a.front = http1.New(a.server)
	go func() {
		if err := a.front.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http server stopped", "err", err)
		}
	}()
	close(a.ready)
	a.log.Info("sluice listening", "addr", ln.Addr().String(), "data_dir", a.cfg.DataDir, "storage", st.Mode(), "gomaxprocs", runtime.GOMAXPROCS(0))
	return nil
}

// Addr is the address the server listens on (useful with port 0).
func (a *App) Addr() string { return a.listener.Addr().String() }

// Shutdown stops accepting requests, lets in-flight ones finish (until ctx
// ends), stops the background work and closes storage.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if a.front != nil {
		if err := a.front.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("app: http shutdown: %w", err))
		}
	}
	if a.stopBackground != nil {
		a.stopBackground()
		a.background.Wait()
	}
	a.runClosers()
	if a.store != nil {
		a.store.Close()
	}
	return errors.Join(errs...)
}

func (a *App) abort(err error) error {
	if a.stopBackground != nil {
		a.stopBackground()
		a.background.Wait()
	}
	a.runClosers()
	if a.store != nil {
		a.store.Close()
	}
	return err
}

func (a *App) routes(api *awsproto.Server) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /metrics", a.metrics.Handler())
	if a.cfg.Pprof {
		registerPprof(mux)
	}
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		select {
		case <-a.ready:
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("ready\n"))
		default:
			http.Error(w, "starting", http.StatusServiceUnavailable)
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if awsproto.IsJSONRequest(r) || (r.Method == http.MethodPost && r.URL.Path == "/") {
			api.ServeHTTP(w, r)
			return
		}
		// Everything the mux does not serve is an S3 call to the built-in
		// bucket store, when there is one.
		if _, pattern := mux.Handler(r); pattern == "" && a.bucketAPI != nil {
			a.bucketAPI.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// recordLog adapts the store to the ingest path, translating the store's
// "disk budget used up" into the error ingest answers with.
type recordLog struct{ st *store.Store }

func (r recordLog) AppendRecords(ctx context.Context, uid string, group []byte) (uint64, error) {
	seq, err := r.st.AppendRecords(ctx, uid, group)
	if errors.Is(err, store.ErrStorageFull) {
		return 0, ingest.ErrStorageFull
	}
	return seq, err
}
