package sim

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsServer answers the instances' DNS on the bridge's gateway address,
// port 53, as the platform's network does: "<name>.internal" is the
// private IP of the instance called name (an instance's private_fqdn).
// It knows nothing else and forwards nothing: every other name is NXDOMAIN
// (on the platform, an app asking for an unknown name was seen to get "no
// such host"), so no query ever leaves the machine.
type dnsServer struct {
	conn   *net.UDPConn
	lookup func(name string) (netip.Addr, bool)
	logf   func(string, ...any)
	wg     sync.WaitGroup
}

// startDNS listens on gw:53/udp. SO_REUSEADDR lets it bind the gateway
// address even where another resolver holds the wildcard 0.0.0.0:53 (the
// Dagger engine's dnsmasq, when the simulator runs in the engine's network
// namespace); the kernel hands each query to the most specific socket.
func startDNS(gw netip.Addr, lookup func(string) (netip.Addr, bool), logf func(string, ...any)) (*dnsServer, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		})
		return errors.Join(err, serr)
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp", netip.AddrPortFrom(gw, 53).String())
	if err != nil {
		return nil, err
	}
	conn := pc.(*net.UDPConn)
	d := &dnsServer{conn: conn, lookup: lookup, logf: logf}
	d.wg.Add(1)
	go d.serve()
	return d, nil
}

func (d *dnsServer) serve() {
	defer d.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return // closed
		}
		if resp, ok := d.answer(buf[:n]); ok {
			_, _ = d.conn.WriteToUDPAddrPort(resp, from)
		}
	}
}

// answer builds the reply to one query.
func (d *dnsServer) answer(query []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil || h.Response {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	name := strings.ToLower(strings.TrimSuffix(q.Name.String(), "."))
	addr, found := d.lookupName(name)
	if !found {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	if found && q.Type == dnsmessage.TypeA && q.Class == dnsmessage.ClassINET {
		_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 5},
			dnsmessage.AResource{A: addr.As4()})
	}
	out, err := b.Finish()
	return out, err == nil
}

// lookupName resolves "<instance>.internal".
func (d *dnsServer) lookupName(name string) (netip.Addr, bool) {
	inst, ok := strings.CutSuffix(name, ".internal")
	if !ok || inst == "" || strings.Contains(inst, ".") {
		return netip.Addr{}, false
	}
	return d.lookup(inst)
}

func (d *dnsServer) close() {
	_ = d.conn.Close()
	d.wg.Wait()
}

// lookupInternal is the DNS view of the store: any instance that exists
// keeps its name and address, whatever its state.
func (s *Sim) lookupInternal(name string) (netip.Addr, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inst := range s.instances {
		if inst.name == name {
			return inst.ip, true
		}
	}
	return netip.Addr{}, false
}
