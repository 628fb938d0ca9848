// Command sluice runs the Sluice server: a self-hosted, wire-compatible
// Amazon Data Firehose. `sluice serve` (the default) starts it; `sluice
// version` prints the version; `sluice bench` is the load generator.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/internal/app"
	"github.com/sluicehq/sluice/internal/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, getenv, stderr)
	case "bench":
		return bench(args, stdout, stderr)
	case "gen-cert":
		return genCert(args, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "sluice %s\n", version)
		return 0
	case "help":
		fmt.Fprintln(stdout, "usage: sluice [serve] [flags] | sluice bench [flags] | sluice gen-cert --out-dir DIR | sluice version")
		return 0
	default:
		fmt.Fprintf(stderr, "sluice: unknown command %q (try: serve, bench, gen-cert, version)\n", cmd)
		return 2
	}
}

func serve(args []string, getenv func(string) string, stderr io.Writer) int {
	cfg, err := config.Load(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	log := newLogger(cfg, stderr)
	applyMemoryLimit(cfg.MemoryLimit, getenv)
	if n := maxProcs(cfg.MaxProcs, getenv("GOMAXPROCS"), runtime.GOMAXPROCS(0)); n > 0 {
		runtime.GOMAXPROCS(n)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := app.New(cfg, log)
	if err := a.Start(ctx); err != nil {
		log.Error("start failed", "err", err)
		return 1
	}
	<-ctx.Done()
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Shutdown(shutdownCtx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// applyMemoryLimit sets the runtime's soft memory limit unless GOMEMLIMIT
// (which the runtime has applied already) says otherwise. With the default
// collector the heap grows to twice its live size between collections, and
// a burst of large PutRecordBatch bodies makes that peak; the limit trades
// a little CPU near the limit for a bounded footprint.
func applyMemoryLimit(limit int64, getenv func(string) string) {
	if limit > 0 && getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
}

// extraProcs is how many goroutines beyond the CPUs may run by default.
//
// The server blocks OS threads in disk I/O all the time: JetStream writes
// and fsyncs every stored group on its stream's goroutine, and delivery
// writes and syncs each object. A goroutine in such a call keeps its P
// (the runtime's licence to run Go code) until sysmon, which sleeps from
// 20 µs up to 10 ms between checks, hands it to another thread. With one P
// per CPU, the request handlers queued behind it wait while a CPU idles
// (vmstat showed 5-10% idle and iowait under PutRecordBatch load). The
// few goroutines that block in disk I/O at once need no more than two
// spare Ps: on the 2-CPU development VM, in interleaved runs of the
// PutRecordBatch benchmark, 4 Ps gave 3-10% more records/s than 2 (210k
// against 191k over five pairs on a quiet machine, 187k against 180k over
// three on a busier one); 3 gave less than 4, and 6 no more. The CPU used
// per record did not change, nor did peak memory.
const extraProcs = 2

// maxProcs returns the GOMAXPROCS to set, or 0 to leave the runtime's:
// a GOMAXPROCS environment variable wins, then the configured value, then
// the CPUs the runtime found (cgroup limits included) plus extraProcs.
func maxProcs(configured int, env string, cpus int) int {
	switch {
	case env != "":
		return 0
	case configured > 0:
		return configured
	default:
		return cpus + extraProcs
	}
}
