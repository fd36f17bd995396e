package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// Options configure a simulator. Zero values pick safe defaults.
type Options struct {
	APIAddr      string        // API listener, default 127.0.0.1:0
	RegistryAddr string        // registry listener, default 127.0.0.1:0
	TLSAddr      string        // TLS front (the platform's :443), default 127.0.0.1:0
	HTTPAddr     string        // plain HTTP front (the platform's :80 redirect), default 127.0.0.1:0
	Token        string        // API token, base64("user:secret"); default generated
	Dir          string        // state dir (ca.pem, blobs, rootfs); default a new temp dir, removed on Close
	Metro        string        // metro name in public FQDNs, default "fra"
	BaseDomain   string        // public domain, default "unikraft.test" (.test never resolves elsewhere)
	Bridge       string        // bridge name (≤15 chars), default "ukcsim" + 6 random hex digits
	Subnet       string        // private network, default a free 10.x.y.0/24
	StopGrace    time.Duration // user stop: SIGTERM, then SIGKILL after this; default 3s
	Log          io.Writer     // the simulator's own log, default os.Stderr
	Faults       Faults        // initial fault switches

	// Dialect is the API generation served: spec.V1 ("v1", the default:
	// platform.yaml v1.0.0) or spec.Legacy ("legacy": the 2024 spec). A
	// request in the other dialect's form is answered as the platform
	// answers a form it does not know (spec.Check).
	Dialect spec.Dialect
	// Answers selects the shapes of "not there yet" and "timed out".
	Answers Answers
	// ImagePropagation is how long after its push an image stays unknown
	// to the API (its look-up and instance creates): a metro sees a push
	// a moment later, which is why kraftkit and the deploy wait for it.
	ImagePropagation time.Duration
	// Container says the simulator runs in a container of its own (a
	// Dagger service, say), whose addresses only its engine reaches: it may
	// then listen on them (0.0.0.0), not only on loopback.
	Container bool
	// BootDelay is how long each boot stays "starting" before the app
	// runs (the platform unpacks the initrd and boots the kernel first).
	BootDelay time.Duration

	// The restart policy's back-off (lifecycle.go): the first delayed
	// restart waits RestartBackoff (default 5s), each next one twice as
	// long up to RestartBackoffMax (default 5m), and a run of
	// RestartHealthy (default 10s) ends the sequence. Tests shorten them.
	RestartBackoff    time.Duration
	RestartBackoffMax time.Duration
	RestartHealthy    time.Duration
}

// Answers are the shapes of two answers whose form the sources leave
// open, so that client tests can run through each. The zero value picks
// each dialect's default.
type Answers struct {
	// ImageNotFound is how an image look-up answers an image that is not
	// (yet) there: AnswerItem (an item with status error and code 8
	// NotFound), AnswerMessage (top-level status error and message "No
	// images found" with no item, as v1's GetImagesResponse example: v1's
	// Image has no per-item status, so this is v1's default) or
	// AnswerHTTP404 (a 404 envelope). The legacy default is AnswerItem:
	// its spec declares no shape, and the old SDK reads per-item errors.
	ImageNotFound string
	// WaitTimeout is how a wait answers a timeout: AnswerItem (the
	// instance's item with code 12 TimedOut and its current state; the
	// default in both dialects, as WaitInstancesResponseWaitedInstance
	// has message and error), AnswerMessage (a top-level message, no
	// item) or AnswerHTTP408 (a 408 envelope).
	WaitTimeout string
}

// Answer shapes.
const (
	AnswerItem    = "item"
	AnswerMessage = "message"
	AnswerHTTP404 = "http404"
	AnswerHTTP408 = "http408"
)

// Endpoints is how to reach a started simulator. Its JSON form is the one
// line `go run . sim` prints (the CLI contract).
type Endpoints struct {
	API      string `json:"api"`      // "http://127.0.0.1:P": pass it where a metro URL goes
	Registry string `json:"registry"` // "127.0.0.1:P": plays index.unikraft.io, plain HTTP
	TLS      string `json:"tls"`      // "127.0.0.1:P": the TLS front; dial it with the FQDN as SNI
	CA       string `json:"ca"`       // PEM file of the CA the TLS front's certificates chain to
	Token    string `json:"token"`    // the API token (and registry login, decoded)
	// Domain is the suffix of the public FQDNs handed out: "<metro>.<base>",
	// so a service group's FQDN is "<name>." + Domain.
	Domain string `json:"domain"`
	// HTTP is the plain-HTTP front (80 → 443 redirect); not in the CLI line.
	HTTP string `json:"-"`
	// Gateway is the host's address on the private network, e.g.
	// "10.201.7.1": the instances' DNS server, and where they reach a
	// service of the host (a test's PostgreSQL, say) that listens on it or
	// on every address. Not in the CLI line.
	Gateway string `json:"-"`
}

// Sim is a running simulator.
type Sim struct {
	opts   Options
	ep     Endpoints
	logw   io.Writer
	dir    string
	ownDir bool
	user   string
	secret string
	ns     string // the token user's image namespace
	domain string // "<metro>.<base>"

	net    *network
	cg     *cgroups
	reg    *registry
	ca     *authority
	dns    *dnsServer
	faults *faultSet

	servers   []*http.Server
	listeners []net.Listener

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every state change
	instances map[string]*instance
	groups    map[string]*serviceGroup
	volumes   map[string]*volume
	// certificates are the uploaded ones (api_certificates.go)
	certificates map[string]*certificate
	closing      bool
	wg           sync.WaitGroup // runs and timers in flight
}

// New checks the options and the machine; Start brings the simulator up.
func New(opts Options) (*Sim, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("sim: the simulator needs root: it creates network namespaces, a bridge, veth pairs, mounts and memory cgroups for real instances; run it as root (e.g. sudo go run . sim)")
	}
	if err := applyDefaults(&opts); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	s := &Sim{opts: opts, logw: opts.Log, changed: make(chan struct{}),
		instances: map[string]*instance{}, groups: map[string]*serviceGroup{}, volumes: map[string]*volume{},
		certificates: map[string]*certificate{}}
	var err error
	if s.user, s.secret, err = splitToken(opts.Token); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	s.ns = namespaceOf(s.user)
	s.domain = opts.Metro + "." + opts.BaseDomain
	s.faults = newFaultSet(opts.Faults, spec.FailedStatus(opts.Dialect))
	return s, nil
}

func applyDefaults(o *Options) error {
	for _, a := range []*string{&o.APIAddr, &o.RegistryAddr, &o.TLSAddr, &o.HTTPAddr} {
		if *a == "" {
			*a = "127.0.0.1:0"
		}
	}
	if o.Token == "" {
		o.Token = newToken()
	}
	if o.Metro == "" {
		o.Metro = "fra"
	}
	if o.BaseDomain == "" {
		o.BaseDomain = "unikraft.test"
	}
	if o.Bridge == "" {
		o.Bridge = "ukcsim" + randHex(6)
	}
	if o.StopGrace == 0 {
		o.StopGrace = 3 * time.Second
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&o.RestartBackoff, 5 * time.Second}, {&o.RestartBackoffMax, 5 * time.Minute}, {&o.RestartHealthy, 10 * time.Second}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	switch o.Dialect {
	case "":
		o.Dialect = spec.V1
	case spec.V1, spec.Legacy:
	default:
		return fmt.Errorf("unknown dialect %q (want %q or %q)", o.Dialect, spec.V1, spec.Legacy)
	}
	if o.Answers.ImageNotFound == "" {
		o.Answers.ImageNotFound = AnswerMessage
		if o.Dialect == spec.Legacy {
			o.Answers.ImageNotFound = AnswerItem
		}
	}
	if o.Answers.WaitTimeout == "" {
		o.Answers.WaitTimeout = AnswerItem
	}
	switch o.Answers.ImageNotFound {
	case AnswerItem, AnswerMessage, AnswerHTTP404:
	default:
		return fmt.Errorf("unknown Answers.ImageNotFound %q (want %s, %s or %s)", o.Answers.ImageNotFound, AnswerItem, AnswerMessage, AnswerHTTP404)
	}
	switch o.Answers.WaitTimeout {
	case AnswerItem, AnswerMessage, AnswerHTTP408:
	default:
		return fmt.Errorf("unknown Answers.WaitTimeout %q (want %s, %s or %s)", o.Answers.WaitTimeout, AnswerItem, AnswerMessage, AnswerHTTP408)
	}
	return nil
}

// logf writes one line to the simulator's log.
func (s *Sim) logf(format string, args ...any) {
	fmt.Fprintf(s.logw, "sim: "+format+"\n", args...)
}

// Start creates the network, cgroups, CA and registry, and starts every
// listener. On error everything made so far is undone.
func Start(opts Options) (*Sim, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start brings the simulator up; see the package Start.
func (s *Sim) Start() (err error) {
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	if err = s.makeDir(); err != nil {
		return err
	}
	sweepStale(s.logf)
	if s.net, err = newNetwork(s.opts.Bridge, s.opts.Subnet); err != nil {
		return fmt.Errorf("sim: network: %w", err)
	}
	if s.cg, err = newCgroups(s.opts.Bridge); err != nil {
		return fmt.Errorf("sim: cgroups: %w", err)
	}
	if err = s.claim(); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if s.dns, err = startDNS(s.net.gw, s.lookupInternal, s.logf); err != nil {
		return fmt.Errorf("sim: dns: %w", err)
	}
	// The network config the platform gives a guest: its resolver is the
	// private network's DNS.
	resolv := fmt.Sprintf("nameserver %s\n", s.net.gw)
	if err = os.WriteFile(filepath.Join(s.dir, "resolv.conf"), []byte(resolv), 0o644); err != nil {
		return err
	}
	if s.ca, err = newAuthority(filepath.Join(s.dir, "ca.pem")); err != nil {
		return fmt.Errorf("sim: ca: %w", err)
	}
	if s.reg, err = newRegistry(filepath.Join(s.dir, "registry"), s.user, s.secret); err != nil {
		return fmt.Errorf("sim: registry: %w", err)
	}
	if err = seedBaseCompat(s.reg); err != nil {
		return fmt.Errorf("sim: seed base-compat: %w", err)
	}
	return s.listen()
}

func (s *Sim) makeDir() error {
	s.dir = s.opts.Dir
	if s.dir == "" {
		d, err := os.MkdirTemp("", "ukcsim-")
		if err != nil {
			return err
		}
		s.dir, s.ownDir = d, true
	}
	abs, err := filepath.Abs(s.dir)
	if err != nil {
		return err
	}
	s.dir = abs
	return os.MkdirAll(filepath.Join(s.dir, "instances"), 0o755)
}

// listen starts the API, registry, TLS and HTTP listeners.
func (s *Sim) listen() error {
	api, err := s.serve(s.opts.APIAddr, s.apiHandler())
	if err != nil {
		return err
	}
	reg, err := s.serve(s.opts.RegistryAddr, s.reg)
	if err != nil {
		return err
	}
	tlsAddr, err := s.startFront(s.opts.TLSAddr)
	if err != nil {
		return err
	}
	httpAddr, err := s.serve(s.opts.HTTPAddr, http.HandlerFunc(s.redirect))
	if err != nil {
		return err
	}
	s.ep = Endpoints{API: "http://" + api, Registry: reg, TLS: tlsAddr, HTTP: httpAddr,
		CA: s.ca.file, Token: s.opts.Token, Domain: s.domain, Gateway: s.net.gw.String()}
	s.logf("ready: api %s, registry %s, tls %s, http %s, bridge %s %s, dir %s",
		s.ep.API, reg, tlsAddr, httpAddr, s.net.bridge, s.net.prefix, s.dir)
	return nil
}

// serve starts an HTTP server on a loopback address (any of a container's
// with Options.Container) and returns its address.
func (s *Sim) serve(addr string, h http.Handler) (string, error) {
	ln, err := s.listenOn(addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), nil
}

// listenOn listens on addr: loopback only, unless the simulator runs in a
// container of its own.
func (s *Sim) listenOn(addr string) (net.Listener, error) {
	if s.opts.Container {
		return net.Listen("tcp", addr)
	}
	return listenLoopback(addr)
}

// listenLoopback listens on addr, refusing anything but a loopback address:
// the simulator never listens where other machines could reach it.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("sim: listen %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) && !isolatedLocal(ip) {
		return nil, fmt.Errorf("sim: listen %q: only loopback addresses, or an address of this network "+
			"namespace when it has no route off the machine, are allowed", addr)
	}
	return net.Listen("tcp", addr)
}

// isolatedLocal says whether ip is an address of one of this network
// namespace's own interfaces and the namespace has no default route: a
// namespace made for tests (the Dagger engine's, say), where listening on
// its bridge lets containers reach the simulator and nothing beyond.
func isolatedLocal(ip net.IP) bool {
	if ip == nil || hasDefaultRoute() {
		return false
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// hasDefaultRoute reads the kernel's IPv4 and IPv6 routing tables of this
// network namespace; when unsure it answers true.
func hasDefaultRoute() bool {
	v4, err := os.ReadFile("/proc/self/net/route")
	if err != nil {
		return true
	}
	for _, line := range strings.Split(string(v4), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 1 && f[1] == "00000000" {
			return true
		}
	}
	v6, err := os.ReadFile("/proc/self/net/ipv6_route")
	if err != nil {
		return false // no IPv6 in this kernel
	}
	for _, line := range strings.Split(string(v6), "\n") {
		if f := strings.Fields(line); len(f) >= 10 && f[0] == strings.Repeat("0", 32) && f[1] == "00" && f[9] != "lo" {
			return true
		}
	}
	return false
}

// Endpoints returns how to reach the simulator.
func (s *Sim) Endpoints() Endpoints { return s.ep }

// Close deletes every instance (stopping its process and removing its
// netns, veth, cgroup and files), stops the listeners and removes the
// bridge, cgroups and (if it made it) the state dir. It is safe to call
// more than once.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	var all []*instance
	for _, inst := range s.instances {
		all = append(all, inst)
	}
	s.mu.Unlock()
	for _, inst := range all {
		s.deleteInstance(inst)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		_ = srv.Shutdown(ctx)
	}
	for _, ln := range s.listeners {
		_ = ln.Close()
	}
	s.wg.Wait()
	var errs []error
	if s.dns != nil {
		s.dns.close()
	}
	if s.cg != nil {
		errs = append(errs, s.cg.close())
	}
	if s.net != nil {
		errs = append(errs, s.net.close())
	}
	if s.ownDir && s.dir != "" {
		errs = append(errs, os.RemoveAll(s.dir))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.unclaim()
	return nil
}
