package sim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// The TLS front plays the platform's gateway on port 443: it
// terminates TLS with a certificate for the requested host name, finds the
// service group that owns that name, and forwards to a running instance's
// private IP and destination_port: as HTTP (handlers http+tls, balanced per
// request) or as a raw byte stream (tls only, e.g. 5432). One loopback
// address stands for the gateway's port 443; a group without a 443 service
// is reached there through its first tls service.

// startFront listens for TLS and returns the address.
func (s *Sim) startFront(addr string) (string, error) {
	ln, err := s.listenOn(addr)
	if err != nil {
		return "", err
	}
	s.listeners = append(s.listeners, ln)
	httpConns := newChanListener(ln.Addr())
	s.listeners = append(s.listeners, httpConns)
	srv := &http.Server{Handler: http.HandlerFunc(s.proxyHTTP), ReadHeaderTimeout: 30 * time.Second}
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(httpConns) }()
	go s.acceptFront(ln, httpConns)
	return ln.Addr().String(), nil
}

func (s *Sim) acceptFront(ln net.Listener, httpConns *chanListener) {
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			host := hello.ServerName
			if host == "" {
				host = s.domain
			}
			if crt := s.certificateFor(host); crt != nil {
				return crt, nil
			}
			return s.ca.leaf(host)
		},
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go s.handleFront(tls.Server(c, cfg), httpConns)
	}
}

// handleFront finishes the handshake and routes the connection by SNI.
func (s *Sim) handleFront(c *tls.Conn, httpConns *chanListener) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := c.Handshake(); err != nil {
		c.Close()
		return
	}
	_ = c.SetDeadline(time.Time{})
	if _, svc := s.route(c.ConnectionState().ServerName, 443); svc != nil && !slices.Contains(svc.Handlers, spec.HandlerHTTP) {
		s.proxyTCP(c, c.ConnectionState().ServerName)
		return
	}
	if !httpConns.push(c) {
		c.Close()
	}
}

// route finds the group serving host and its service for the gateway
// port (or the first tls service when the group does not publish it).
func (s *Sim) route(host string, port int) (*serviceGroup, *service) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		if !slices.Contains(g.domains, host) {
			continue
		}
		for i := range g.services {
			if g.services[i].Port == port {
				return g, &g.services[i]
			}
		}
		if port == 443 {
			for i := range g.services {
				if slices.Contains(g.services[i].Handlers, spec.HandlerTLS) {
					return g, &g.services[i]
				}
			}
		}
		return g, nil
	}
	return nil, nil
}

// backend is a picked instance; done must be called when the exchange ends.
type backend struct {
	addr string
	done func()
}

// errNoInstance is the gateway's 503: nothing can take the request.
var errNoInstance = errors.New("no instance of the service is running")

// pick chooses a running, listening member of g round-robin (rollouts rely
// on traffic going to every running instance; a draining one takes no new
// connections). With none, it boots a
// standby member (scale-to-zero: traffic wakes it) or waits for a starting
// one, for up to wakeTimeout.
func (s *Sim) pick(ctx context.Context, g *serviceGroup, port int) (backend, error) {
	ctx, cancel := context.WithTimeout(ctx, wakeTimeout)
	defer cancel()
	for {
		s.mu.Lock()
		inst, waitable := s.pickLocked(g)
		ch := s.changed
		if inst != nil {
			inst.conns++
			addr := netip.AddrPortFrom(inst.ip, uint16(port)).String()
			s.mu.Unlock()
			return backend{addr: addr, done: func() { s.release(inst) }}, nil
		}
		s.mu.Unlock()
		if !waitable {
			return backend{}, errNoInstance
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return backend{}, errNoInstance
		}
	}
}

const wakeTimeout = 30 * time.Second

// pickLocked returns the next ready member, or whether one may become
// ready (it wakes standby members).
func (s *Sim) pickLocked(g *serviceGroup) (*instance, bool) {
	var ready []*instance
	waitable := false
	for _, m := range g.members {
		switch {
		case m.state == spec.StateRunning && m.netTimeUs > 0:
			ready = append(ready, m)
		case m.state == spec.StateStandby:
			s.startLocked(m)
			waitable = true
		case m.state == spec.StateStarting || m.state == spec.StateRunning:
			waitable = true
		case m.state == spec.StateStopping && m.run != nil && m.run.intent == intentStandby:
			waitable = true // going to standby: the next round wakes it
		}
	}
	if len(ready) == 0 {
		return nil, waitable
	}
	g.next++
	return ready[int(g.next%uint64(len(ready)))], true
}

// release ends one exchange with inst (scale-to-zero counts them); the
// last one of a draining instance lets it stop.
func (s *Sim) release(inst *instance) {
	s.mu.Lock()
	inst.conns--
	inst.lastActive = time.Now()
	if inst.conns == 0 && inst.state == spec.StateDraining {
		s.stopLocked(inst, intentStop)
	}
	s.mu.Unlock()
}

// proxyTransport talks to instances only: no proxy from the environment,
// short idle keep-alive so deleted instances are not dialled again.
var proxyTransport = &http.Transport{
	Proxy:           nil,
	DialContext:     (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	IdleConnTimeout: 2 * time.Second,
}

// proxyHTTP forwards one request by its Host to a member instance.
func (s *Sim) proxyHTTP(w http.ResponseWriter, r *http.Request) {
	host := hostOnly(r.Host)
	if r.TLS != nil && r.TLS.ServerName != "" {
		host = r.TLS.ServerName
	}
	g, svc := s.route(host, 443)
	if g == nil || svc == nil {
		gatewayError(w, http.StatusNotFound, "Service not found")
		return
	}
	be, err := s.pick(r.Context(), g, svc.DestinationPort)
	if err != nil {
		gatewayError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer be.done()
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: "http", Host: be.addr})
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		Transport: proxyTransport,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			// As on the platform (the Unikraft Cloud docs' troubleshooting
			// page), a 502 means nothing answers on the destination port.
			gatewayError(w, http.StatusBadGateway, err.Error())
		},
	}
	rp.ServeHTTP(w, r)
}

// proxyTCP pipes a TLS-terminated stream to a member instance.
func (s *Sim) proxyTCP(c *tls.Conn, host string) {
	defer c.Close()
	g, svc := s.route(host, 443)
	if g == nil || svc == nil {
		return
	}
	be, err := s.pick(context.Background(), g, svc.DestinationPort)
	if err != nil {
		return
	}
	defer be.done()
	up, err := net.DialTimeout("tcp", be.addr, 5*time.Second)
	if err != nil {
		return
	}
	defer up.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = io.Copy(up, c); closeWrite(up) }()
	_, _ = io.Copy(c, up)
	_ = c.CloseWrite()
	wg.Wait()
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// redirect is the plain-HTTP front (the gateway's port 80): a group with
// an 80 → 443 redirect service answers 301 to https, the platform's
// "redirect" handler.
func (s *Sim) redirect(w http.ResponseWriter, r *http.Request) {
	host := hostOnly(r.Host)
	g, svc := s.route(host, 80)
	if g == nil || svc == nil || !slices.Contains(svc.Handlers, spec.HandlerRedirect) {
		gatewayError(w, http.StatusNotFound, "Service not found")
		return
	}
	http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusMovedPermanently)
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// gatewayError answers like the platform's openresty gateway.
func gatewayError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Server", "openresty")
	w.WriteHeader(code)
	fmt.Fprintln(w, strconv.Itoa(code)+" "+http.StatusText(code)+": "+msg)
}

// chanListener hands connections the TLS front accepted and routed as
// HTTP to an http.Server.
type chanListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) push(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
