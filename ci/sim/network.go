package sim

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
)

// network is the simulator's private network: one Linux bridge in the host
// namespace holding the gateway address (where the DNS server listens and
// where the TLS front reaches instances from), and one veth pair per
// running instance whose inner end lives in the instance's netns.
//
// Instances get no default route: only the bridge subnet is reachable from
// inside, so nothing an app does can send traffic off this machine.
type network struct {
	bridge string
	prefix netip.Prefix
	gw     netip.Addr

	mu   sync.Mutex
	used map[netip.Addr]bool
}

// ipCmd runs iproute2 and returns its error with its output.
func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// lockFile serialises subnet choice between simulators on one machine, so
// two that start together never pick the same range.
const lockFile = "/run/ukcsim.lock"

// newNetwork creates the bridge. An empty subnet picks a free 10.x.y.0/24
// that no route on this machine covers yet.
func newNetwork(bridge, subnet string) (*network, error) {
	unlock, err := flock(lockFile)
	if err != nil {
		return nil, err
	}
	defer unlock()
	prefix, err := chooseSubnet(subnet)
	if err != nil {
		return nil, err
	}
	n := &network{bridge: bridge, prefix: prefix, gw: prefix.Addr().Next(), used: map[netip.Addr]bool{}}
	n.used[n.gw] = true
	steps := [][]string{
		{"link", "add", bridge, "type", "bridge"},
		{"addr", "add", netip.PrefixFrom(n.gw, prefix.Bits()).String(), "dev", bridge},
		{"link", "set", bridge, "up"},
	}
	for _, s := range steps {
		if err := ipCmd(s...); err != nil {
			_ = ipCmd("link", "del", bridge)
			return nil, err
		}
	}
	return n, nil
}

// chooseSubnet validates the requested subnet, or picks a random free one.
func chooseSubnet(subnet string) (netip.Prefix, error) {
	taken, err := hostPrefixes()
	if err != nil {
		return netip.Prefix{}, err
	}
	if subnet != "" {
		p, err := netip.ParsePrefix(subnet)
		if err != nil {
			return p, fmt.Errorf("subnet %q: %w", subnet, err)
		}
		p = p.Masked()
		if !isPrivate(p) || p.Bits() < 16 || p.Bits() > 28 {
			return p, fmt.Errorf("subnet %s: want a /16../28 inside 10.0.0.0/8 or 172.16.0.0/12", p)
		}
		if overlaps(p, taken) {
			return p, fmt.Errorf("subnet %s overlaps a route on this machine", p)
		}
		return p, nil
	}
	for range 200 {
		var b [2]byte
		_, _ = rand.Read(b[:])
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200 + b[0]%50, b[1], 0}), 24)
		if !overlaps(p, taken) {
			return p, nil
		}
	}
	return netip.Prefix{}, errors.New("no free 10.x.y.0/24 subnet found")
}

func isPrivate(p netip.Prefix) bool {
	return netip.MustParsePrefix("10.0.0.0/8").Contains(p.Addr()) ||
		netip.MustParsePrefix("172.16.0.0/12").Contains(p.Addr())
}

func overlaps(p netip.Prefix, taken []netip.Prefix) bool {
	for _, t := range taken {
		if t.Overlaps(p) {
			return true
		}
	}
	return false
}

// hostPrefixes lists every IPv4 route destination and address of the host,
// so a chosen subnet shadows nothing that exists.
func hostPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, args := range [][]string{{"-4", "-o", "route", "show", "table", "all"}, {"-4", "-o", "addr", "show"}} {
		b, err := exec.Command("ip", args...).Output()
		if err != nil {
			return nil, fmt.Errorf("ip %s: %w", strings.Join(args, " "), err)
		}
		for _, f := range strings.Fields(string(b)) {
			if p, err := netip.ParsePrefix(f); err == nil && p.Addr().Is4() {
				out = append(out, p.Masked())
			} else if a, err := netip.ParseAddr(f); err == nil && a.Is4() {
				out = append(out, netip.PrefixFrom(a, 32))
			}
		}
	}
	return out, nil
}

// allocIP reserves the next free address of the subnet.
func (n *network) allocIP() (netip.Addr, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for a := n.gw.Next(); n.prefix.Contains(a); a = a.Next() {
		if !n.used[a] && a.Next().IsValid() && n.prefix.Contains(a.Next()) { // skip broadcast
			n.used[a] = true
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("subnet %s is full", n.prefix)
}

// freeIP returns an address to the pool.
func (n *network) freeIP(a netip.Addr) {
	n.mu.Lock()
	delete(n.used, a)
	n.mu.Unlock()
}

// attach names the netns of pid as nsName, and plugs it into the bridge
// through a veth pair (host end hostVeth, inner end eth0 holding ip).
func (n *network) attach(pid int, nsName, hostVeth string, ip netip.Addr, mac string) error {
	cidr := netip.PrefixFrom(ip, n.prefix.Bits()).String()
	steps := [][]string{
		{"netns", "attach", nsName, fmt.Sprint(pid)},
		{"link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", nsName},
		{"link", "set", hostVeth, "master", n.bridge, "up"},
		{"-n", nsName, "link", "set", "lo", "up"},
		{"-n", nsName, "link", "set", "eth0", "address", mac},
		{"-n", nsName, "addr", "add", cidr, "dev", "eth0"},
		{"-n", nsName, "link", "set", "eth0", "up"},
	}
	for _, s := range steps {
		if err := ipCmd(s...); err != nil {
			n.detach(nsName, hostVeth)
			return err
		}
	}
	return nil
}

// detach removes the veth pair and the netns name. Errors are ignored: the
// pair also vanishes with the namespace once the last process in it exits.
func (n *network) detach(nsName, hostVeth string) {
	_ = exec.Command("ip", "link", "del", hostVeth).Run()
	_ = exec.Command("ip", "netns", "del", nsName).Run()
}

// close deletes the bridge.
func (n *network) close() error {
	return ipCmd("link", "del", n.bridge)
}

// linkExists reports whether a network interface exists in the host netns.
func linkExists(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil
}

// macFor derives a stable locally administered MAC from an address, in
// the shape of the API reference's example "12:b0:0a:00:00:25" for
// 10.0.0.37.
func macFor(a netip.Addr) string {
	b := a.As4()
	return fmt.Sprintf("12:b0:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3])
}

// flock takes an exclusive lock on path and returns its release.
func flock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
