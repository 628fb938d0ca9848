package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/internal/loadgen"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// generatorHeap is the heap size at which the generator collects garbage.
const generatorHeap = 512 << 20

// generatorProcs returns the generator's GOMAXPROCS, or 0 to leave the
// runtime's: GOMAXPROCS in the environment wins, then --procs; by default
// PutRecord runs get the server's spare Ps (extraProcs) and PutRecordBatch
// runs none.
//
// A PutRecord worker spends most of its time in small loopback writes, and
// the kernel delivers each write to the server inside the sending system
// call, so generator threads block often, keeping their Ps, as the
// server's do in disk I/O. With 64 workers on the 2-CPU development VM,
// 4 Ps gave 6-8% more calls/s than 2 over three alternating pairs (15.6k-
// 15.9k against 14.7k-14.8k) at no more generator CPU per call. A
// PutRecordBatch worker mostly computes (it serializes 700 KB per call),
// and there 3 or 4 Ps took CPU from the server: 3-10% fewer records/s.
func generatorProcs(configured int, env string, batchSize, cpus int) int {
	switch {
	case env != "":
		return 0
	case configured > 0:
		return configured
	case batchSize == 1:
		return cpus + extraProcs
	default:
		return 0
	}
}

// bench runs the load generator: `sluice bench [flags]`.
func bench(args []string, stdout, stderr io.Writer) int {
	cfg := loadgen.Config{
		Target:      "http://127.0.0.1:4573",
		Region:      "us-east-1",
		Stream:      "sluice-bench",
		Concurrency: 16,
		RecordSize:  1024,
		BatchSize:   500,
		Duration:    10 * time.Second,
	}
	var (
		createStream, spawnServer bool
		compareMoto               bool
		motoExe                   string
		serverArgs                stringList
		serverLog                 bool
		cpuProfile                string
		nullServer                bool
		procs                     int
	)
	fs := flag.NewFlagSet("sluice bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Target, "target", cfg.Target, "server URL; must be on loopback (127.0.0.0/8 or ::1)")
	fs.StringVar(&cfg.Region, "region", cfg.Region, "region the client signs for")
	fs.StringVar(&cfg.Stream, "stream", cfg.Stream, "delivery stream to put records into")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "concurrent clients, one call in flight each")
	fs.IntVar(&cfg.RecordSize, "record-size", cfg.RecordSize, "bytes of data per record")
	fs.IntVar(&cfg.BatchSize, "batch-size", cfg.BatchSize, "records per call; 1 uses PutRecord, more PutRecordBatch")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long to run")
	fs.Int64Var(&cfg.MaxCalls, "calls", 0, "stop after this many calls in all (0: run for --duration)")
	fs.StringVar((*string)(&cfg.HTTPClient), "http-client", string(loadgen.DirectHTTP),
		"HTTP client under the SDK: direct (each exchange on its caller's goroutine, lighter on a shared machine) or net/http (the SDK's default)")
	fs.BoolVar(&createStream, "create-stream", false, "create the stream first (and wait until it is ACTIVE)")
	fs.BoolVar(&spawnServer, "spawn-server", false, "start `sluice serve` as a child process on a temporary data dir, and report its peak memory")
	fs.Var(&serverArgs, "server-arg", "extra argument for the spawned server (repeatable), e.g. --server-arg=--pprof")
	fs.BoolVar(&serverLog, "server-log", false, "show the spawned servers' logs")
	fs.BoolVar(&compareMoto, "compare-moto", false, "then run the same load against a spawned moto_server and print the ratio")
	fs.StringVar(&motoExe, "moto-server", "moto_server", "moto_server executable for --compare-moto")
	fs.BoolVar(&nullServer, "null-server", false, "drive an in-process responder that answers without storing anything: the generator's own ceiling on this machine")
	fs.IntVar(&procs, "procs", 0, "the generator's GOMAXPROCS (0: the CPUs, plus 2 for PutRecord; GOMAXPROCS in the environment wins)")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write the generator's own CPU profile to this file (the server has --pprof)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sluice bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "sluice bench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "sluice bench: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}

	if n := generatorProcs(procs, os.Getenv("GOMAXPROCS"), cfg.BatchSize, runtime.GOMAXPROCS(0)); n > 0 {
		runtime.GOMAXPROCS(n)
	}
	// The generator allocates fast (the SDK serializes each PutRecordBatch
	// into a freshly grown ~700 KB buffer, and builds dozens of objects per
	// PutRecord call) while keeping little alive, so its collector runs
	// only when the heap reaches generatorHeap: against a collection at
	// every 5× growth (GOGC=400), that is 3-5% less generator CPU, which
	// on a shared machine is left to the server under test. GOGC or
	// GOMEMLIMIT in the environment still decide. The spawned server does
	// not inherit this: it is set in-process, not in the environment.
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(-1)
		debug.SetMemoryLimit(generatorHeap)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	childLog := io.Discard
	if serverLog {
		childLog = stderr
	}

	if nullServer {
		null, err := loadgen.StartNullServer(cfg.BatchSize)
		if err != nil {
			fmt.Fprintf(stderr, "sluice bench: %v\n", err)
			return 1
		}
		defer null.Close()
		cfg.Target, createStream, spawnServer, compareMoto = null.URL, false, false, false
		fmt.Fprintln(stdout, "null server: nothing is stored; the CPU below is the generator's and the responder's")
	}

	var spawned *loadgen.Server
	if spawnServer {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintf(stderr, "sluice bench: %v\n", err)
			return 1
		}
		if spawned, err = loadgen.Spawn(ctx, loadgen.SpawnConfig{Exe: exe, ExtraArgs: serverArgs, Log: childLog}); err != nil {
			fmt.Fprintf(stderr, "sluice bench: %v\n", err)
			return 1
		}
		defer spawned.Stop()
		cfg.Target = spawned.URL
		createStream = true
	}
	res, err := runOnce(ctx, cfg, createStream, false, spawned, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "sluice bench: %v\n", err)
		return 1
	}
	if spawned != nil {
		// Stop now, so the comparison run does not share the machine with
		// an idle-but-resident Sluice.
		_ = spawned.Stop()
	}
	if !compareMoto {
		return 0
	}

	moto, err := loadgen.SpawnMoto(ctx, motoExe, childLog)
	if err != nil {
		fmt.Fprintf(stderr, "sluice bench: %v\n", err)
		return 1
	}
	defer moto.Stop()
	motoCfg := cfg
	motoCfg.Target = moto.URL
	fmt.Fprintln(stdout)
	motoRes, err := runOnce(ctx, motoCfg, true, true, moto, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "sluice bench: moto_server: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "\nsluice / moto_server: records/s ×%.1f, calls/s ×%.1f, p99 latency ×%.2f\n",
		res.RecordsPerSecond()/motoRes.RecordsPerSecond(), res.CallsPerSecond()/motoRes.CallsPerSecond(),
		res.P99.Seconds()/motoRes.P99.Seconds())
	return 0
}

// runOnce prepares the target (stream, and for moto its S3 bucket), runs
// the load and prints the report, with the server's usage when spawned.
func runOnce(ctx context.Context, cfg loadgen.Config, createStream, createBucket bool, spawned *loadgen.Server, out io.Writer) (*loadgen.Result, error) {
	if err := loadgen.CheckTarget(ctx, cfg.Target); err != nil {
		return nil, err
	}
	client := loadgen.NewClient(cfg.Target, cfg.Region, cfg.Concurrency, cfg.HTTPClient)
	setup, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if createBucket {
		if err := loadgen.CreateBucket(setup, cfg.Target, cfg.Region); err != nil {
			return nil, err
		}
	}
	if createStream {
		if err := loadgen.CreateStream(setup, client, cfg.Stream); err != nil {
			return nil, err
		}
	}
	res, err := loadgen.Run(ctx, cfg, client)
	if err != nil && res == nil {
		return nil, err
	}
	var usage *loadgen.Usage
	if spawned != nil {
		if u, uerr := spawned.Usage(); uerr == nil {
			usage = &u
		}
	}
	res.Print(out, usage)
	if err == nil && res.Calls == 0 {
		err = fmt.Errorf("no call to %s succeeded", cfg.Target)
	}
	return res, err
}
