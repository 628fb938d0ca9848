package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is a Sluice server started as a child process for a benchmark,
// on a free loopback port and a temporary data directory. A child process
// (rather than the server in the generator's process) is what makes its
// memory and CPU measurable apart from the generator's.
type Server struct {
	URL     string
	DataDir string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	ownsDir bool
}

// SpawnConfig says how to start a child Sluice server.
type SpawnConfig struct {
	// Exe is the sluice binary (normally os.Executable()).
	Exe string
	// DataDir is the data directory; empty means a new temporary one,
	// removed by Stop.
	DataDir string
	// ExtraArgs are appended to `serve`'s arguments (for example --pprof).
	ExtraArgs []string
	// Log receives the server's standard error; nil discards it.
	Log io.Writer
}

// Spawn starts `sluice serve` and returns once it answers /readyz.
func Spawn(ctx context.Context, cfg SpawnConfig) (*Server, error) {
	dataDir, ownsDir := cfg.DataDir, false
	if dataDir == "" {
		dir, err := os.MkdirTemp("", "sluice-bench-")
		if err != nil {
			return nil, fmt.Errorf("loadgen: data dir: %w", err)
		}
		dataDir, ownsDir = dir, true
	}
	port, err := freePort()
	if err != nil {
		if ownsDir {
			_ = os.RemoveAll(dataDir)
		}
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{"serve",
		"--listen", addr,
		"--data-dir", dataDir,
		"--create-delay", "0s",
		"--delete-delay", "0s",
		"--log-level", "warn",
	}
	args = append(args, cfg.ExtraArgs...)
	s := &Server{URL: "http://" + addr, DataDir: dataDir, ownsDir: ownsDir}
	if err := s.start(ctx, cfg.Exe, args, "/readyz", cfg.Log); err != nil {
		return nil, err
	}
	return s, nil
}

// SpawnMoto starts moto_server (the emulator Sluice is compared with) on a
// free loopback port and returns once it answers.
func SpawnMoto(ctx context.Context, exe string, log io.Writer) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port)}
	if err := s.start(ctx, exe, []string{"-H", "127.0.0.1", "-p", strconv.Itoa(port)}, "/moto-api/", log); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, exe string, args []string, readyPath string, log io.Writer) error {
	s.exited = make(chan struct{})
	s.cmd = exec.Command(exe, args...)
	s.cmd.Stdout = log
	s.cmd.Stderr = log
	if err := s.cmd.Start(); err != nil {
		s.removeDir()
		return fmt.Errorf("loadgen: start %s: %w", exe, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx, readyPath, 60*time.Second); err != nil {
		_ = s.Stop()
		return err
	}
	return nil
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before the server binds it; the readiness wait then fails loudly.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("loadgen: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitReady(ctx context.Context, path string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("loadgen: server exited before it was ready: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("loadgen: server not ready at %s: %w", s.URL, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Usage is the server's resource use so far.
type Usage struct {
	PeakRSS int64         // bytes; the kernel's high-water mark (VmHWM)
	CPU     time.Duration // user + system time
	// MinorFaults counts pages the kernel had to map for the process
	// (first touch of memory); on a VM whose memory is backed lazily each
	// one is expensive, which makes fresh memory a cost worth seeing.
	MinorFaults int64
}

// Usage reads the child's peak resident memory and CPU time from /proc
// (Linux only; elsewhere it returns an error).
func (s *Server) Usage() (Usage, error) {
	pid := s.cmd.Process.Pid
	var u Usage
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return u, fmt.Errorf("loadgen: server memory: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return u, fmt.Errorf("loadgen: parse VmHWM %q: %w", v, err)
			}
			u.PeakRSS = kb << 10
		}
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return u, fmt.Errorf("loadgen: server cpu: %w", err)
	}
	// Fields after the parenthesised command name: state is field 3,
	// minflt field 10, utime and stime fields 14 and 15, in clock ticks
	// (100 Hz on Linux).
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 12 {
			u.MinorFaults, _ = strconv.ParseInt(f[7], 10, 64)
			ut, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			u.CPU = time.Duration(ut+st) * 10 * time.Millisecond
		}
	}
	return u, nil
}

// Stop ends the server with SIGTERM (SIGKILL if it does not stop within
// 30 s) and removes the data directory it created. It reports an error
// only if the server had already exited on its own with a failure.
func (s *Server) Stop() error {
	defer s.removeDir()
	select {
	case <-s.exited:
		if s.waitErr != nil {
			return fmt.Errorf("loadgen: server exited early: %w", s.waitErr)
		}
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	return nil
}

func (s *Server) removeDir() {
	if s.ownsDir {
		_ = os.RemoveAll(s.DataDir)
	}
}
