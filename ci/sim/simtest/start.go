package simtest

import (
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// Option changes the simulator's options before it starts. The ones below
// cover what tests set; any other field can be set with a literal
// Option(func(o *sim.Options) { ... }).
type Option func(*sim.Options)

// Listen puts every listener (API, registry, TLS and plain-HTTP fronts) on
// host, each on a free port: a test whose client runs in a container
// listens on that container network's host address. The simulator accepts
// a loopback address, or an address of this network namespace when the
// namespace has no default route (so nothing beyond the machine reaches it).
func Listen(host string) Option {
	return func(o *sim.Options) {
		addr := net.JoinHostPort(host, "0")
		o.APIAddr, o.RegistryAddr, o.TLSAddr, o.HTTPAddr = addr, addr, addr, addr
	}
}

// Subnet sets the private network, e.g. "10.203.7.0/24"; by default the
// simulator picks a free one. Endpoints().Gateway is its host address.
func Subnet(cidr string) Option { return func(o *sim.Options) { o.Subnet = cidr } }

// StopGrace sets how long a stopped app has between SIGTERM and SIGKILL.
// Start's default is one second, shorter than the simulator's, so that
// tests do not wait on apps that ignore SIGTERM.
func StopGrace(d time.Duration) Option { return func(o *sim.Options) { o.StopGrace = d } }

// Faults sets the fault switches the simulator starts with.
func Faults(f sim.Faults) Option { return func(o *sim.Options) { o.Faults = f } }

// Dialect sets the API generation the simulator serves (spec.V1 by
// default, or spec.Legacy).
func Dialect(d spec.Dialect) Option { return func(o *sim.Options) { o.Dialect = d } }

// Answers sets the shapes of "not there yet" and "timed out" answers, so
// a client test can run through each.
func Answers(a sim.Answers) Option { return func(o *sim.Options) { o.Answers = a } }

// RestartBackoff scales the restart policy's back-off down for a test:
// the first delayed restart waits first, doubling up to max, and a run of
// healthy ends the sequence (the spec's 5s, 5m and 10s otherwise).
func RestartBackoff(first, max, healthy time.Duration) Option {
	return func(o *sim.Options) { o.RestartBackoff, o.RestartBackoffMax, o.RestartHealthy = first, max, healthy }
}

// ImagePropagation keeps a pushed image unknown to the API for d.
func ImagePropagation(d time.Duration) Option {
	return func(o *sim.Options) { o.ImagePropagation = d }
}

// BootDelay keeps each boot "starting" for d before the app runs.
func BootDelay(d time.Duration) Option { return func(o *sim.Options) { o.BootDelay = d } }

// Log sends the simulator's log to w instead of the test's log.
func Log(w io.Writer) Option { return func(o *sim.Options) { o.Log = w } }

// Start starts a simulator for one test and closes it when the test and its
// subtests end, reporting a Close error as a test error. The simulator's
// log goes to t.Log. It skips the test unless it runs as root.
func Start(t testing.TB, opts ...Option) *sim.Sim {
	t.Helper()
	skipUnlessRoot(t)
	lw := &testLog{t: t}
	s, err := sim.Start(options(lw, opts))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		err := s.Close()
		lw.stop()
		if err != nil {
			t.Errorf("simtest: close the simulator: %v", err)
		}
	})
	return s
}

// options are Start's defaults with opts applied.
func options(log io.Writer, opts []Option) sim.Options {
	o := sim.Options{Log: log, StopGrace: time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func skipUnlessRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("simtest: the simulator needs root (it makes network namespaces, a bridge and memory cgroups for its instances): run go test as root")
	}
}

// testLog writes the simulator's log lines to t.Log until stop: testing
// panics on a Log after the test has ended.
type testLog struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *testLog) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}

// Shared is one simulator for the tests of a test binary that share it,
// each under its own instance names, when starting one per test costs too
// much (images pushed once, say). The first Start starts it with that
// call's options; Main closes it when the tests end. Its log is kept and
// printed to stderr if a test failed, since no test outlives it to log it.
type Shared struct {
	once sync.Once
	sim  *sim.Sim
	err  error
	log  SyncBuffer
}

// Start returns the shared simulator, starting it on the first call. It
// skips the test unless it runs as root, and fails it if the simulator
// could not start.
func (sh *Shared) Start(t testing.TB, opts ...Option) *sim.Sim {
	t.Helper()
	skipUnlessRoot(t)
	requireMain(t, "Shared.Start")
	sh.once.Do(func() {
		sh.sim, sh.err = sim.Start(options(&sh.log, opts))
		if sh.err != nil {
			return
		}
		atEnd(func(failed bool) error {
			err := sh.sim.Close()
			if failed || err != nil {
				os.Stderr.WriteString("simtest: the shared simulator's log:\n" + sh.log.String())
			}
			return err
		})
	})
	if sh.err != nil {
		t.Fatal(sh.err)
	}
	return sh.sim
}
