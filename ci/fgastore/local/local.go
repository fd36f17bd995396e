// Package local runs an OpenFGA binary on this machine for as long as a
// store file's tests take: the memory datastore, loopback only, free
// ports, nothing else served (no playground, no metrics), and the whole
// process group stopped at the end.
package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
)

// OpenFGA is a running local OpenFGA.
type OpenFGA struct {
	url  string
	hc   *http.Client
	cmd  *exec.Cmd
	log  *tail
	done chan struct{} // closed when the process has exited
	stop sync.Once
}

// startTimeout bounds the wait for /healthz; OpenFGA with the memory
// datastore serves within a second.
const startTimeout = 30 * time.Second

// Start runs binary (`openfga run`) and waits until it serves. settings
// are more of OpenFGA's environment settings ("OPENFGA_AUTHN_METHOD=preshared").
// ctx bounds the server's life: when it ends (the caller was interrupted),
// the server is killed. Close stops it.
func Start(ctx context.Context, binary string, settings ...string) (*OpenFGA, error) {
	// A free port is found by binding port 0 and closing it, so another
	// process may take it before OpenFGA binds it: then try again.
	for try := 1; ; try++ {
		o, err := start(ctx, binary, settings)
		if err == nil || try == 3 || !strings.Contains(err.Error(), "address already in use") {
			return o, err
		}
	}
}

func start(ctx context.Context, binary string, settings []string) (*OpenFGA, error) {
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	grpcPort, err := freePort()
	if err != nil {
		return nil, err
	}
	o := &OpenFGA{
		url:  "http://" + httpPort,
		hc:   &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		log:  &tail{max: 64 << 10},
		done: make(chan struct{}),
	}
	o.cmd = exec.Command(binary, "run")
	o.cmd.Env = append(env(httpPort, grpcPort), settings...)
	o.cmd.Stdout, o.cmd.Stderr = o.log, o.log
	o.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so Close reaches anything it starts
	if err := o.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting OpenFGA %s: %w", binary, err)
	}
	go func() { _ = o.cmd.Wait(); close(o.done) }()
	go func() {
		select {
		case <-ctx.Done():
			o.kill(syscall.SIGKILL)
		case <-o.done:
		}
	}()
	if err := o.waitServing(ctx); err != nil {
		o.Close()
		printed := "it printed nothing"
		if out := o.log.lastLines(20); out != "" {
			printed = "its last lines:\n" + out
		}
		return nil, fmt.Errorf("OpenFGA %s did not start: %w; %s", binary, err, printed)
	}
	return o, nil
}

// env is this process's environment without any OPENFGA_ setting (a
// user's preshared key or datastore must not reach the throwaway server),
// plus the settings of a local test server.
func env(httpAddr, grpcAddr string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENFGA_") {
			out = append(out, kv)
		}
	}
	return append(out,
		"OPENFGA_HTTP_ADDR="+httpAddr,
		"OPENFGA_GRPC_ADDR="+grpcAddr,
		"OPENFGA_DATASTORE_ENGINE=memory",
		"OPENFGA_PLAYGROUND_ENABLED=false",
		"OPENFGA_METRICS_ENABLED=false",
		"OPENFGA_LOG_FORMAT=json",
	)
}

// taken are fixed ports that other servers of the project's test runs
// bind, so they must stay free even while nothing listens on them yet:
// OpenFGA's defaults and its playground, and the PostgreSQL of
// .ci/postgres.sh (inside the range the kernel picks port 0 from).
var taken = map[int]bool{3000: true, 8080: true, 8081: true, 55432: true}

// freePort is a loopback address with a port nothing listens on.
func freePort() (string, error) {
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		addr := l.Addr().(*net.TCPAddr)
		l.Close()
		if !taken[addr.Port] {
			return addr.String(), nil
		}
	}
}

// waitServing polls /healthz until it answers SERVING, the process exits,
// or startTimeout passes.
func (o *OpenFGA) waitServing(ctx context.Context) error {
	var last error = errors.New("no answer yet")
	err := poll.Until(ctx, 50*time.Millisecond, startTimeout, func(ctx context.Context) (bool, error) {
		select {
		case <-o.done:
			return false, fmt.Errorf("it exited: %v", o.cmd.ProcessState)
		default:
		}
		last = health(ctx, o.hc, o.url)
		return last == nil, nil
	})
	if errors.Is(err, poll.ErrDeadline) {
		return fmt.Errorf("not serving after %v: %w", startTimeout, last)
	}
	return err
}

func health(ctx context.Context, hc *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct{ Status string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("healthz: %w", err)
	}
	if out.Status != "SERVING" {
		return fmt.Errorf("healthz: status %q, want SERVING", out.Status)
	}
	return nil
}

// URL is the HTTP API's address, e.g. http://127.0.0.1:41234.
func (o *OpenFGA) URL() string { return o.url }

// HTTPClient is the client to talk to the server with. Close closes its
// connections first: OpenFGA's graceful stop waits up to 5 seconds for a
// connection a client opened and has not used yet.
func (o *OpenFGA) HTTPClient() *http.Client { return o.hc }

// Log is what the server printed, its last 64 KiB.
func (o *OpenFGA) Log() string { return o.log.String() }

// Close stops the server's process group: SIGTERM, then SIGKILL after 5
// seconds. It waits until the process has exited.
func (o *OpenFGA) Close() error {
	o.stop.Do(func() {
		o.hc.CloseIdleConnections()
		o.kill(syscall.SIGTERM)
		select {
		case <-o.done:
		case <-time.After(5 * time.Second):
			o.kill(syscall.SIGKILL)
			<-o.done
		}
	})
	return nil
}

// kill signals the process group, unless the process has been reaped
// (then its ID may already be another's).
func (o *OpenFGA) kill(sig syscall.Signal) {
	select {
	case <-o.done:
	default:
		_ = syscall.Kill(-o.cmd.Process.Pid, sig)
	}
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = t.b[over:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

func (t *tail) lastLines(n int) string {
	lines := strings.Split(strings.TrimRight(t.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
