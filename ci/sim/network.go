package sim

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
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
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: bridge}}
	if err := netlink.LinkAdd(br); err != nil {
		return nil, fmt.Errorf("add the bridge %s: %w", bridge, err)
	}
	err = netlink.AddrAdd(br, &netlink.Addr{IPNet: ipNet(netip.PrefixFrom(n.gw, prefix.Bits()))})
	if err == nil {
		err = netlink.LinkSetUp(br)
	}
	if err != nil {
		_ = netlink.LinkDel(br)
		return nil, fmt.Errorf("bring up the bridge %s: %w", bridge, err)
	}
	return n, nil
}

// ipNet is p as netlink takes an address with its prefix length.
func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
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
	routes, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, fmt.Errorf("list the routes: %w", err)
	}
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("list the addresses: %w", err)
	}
	var out []netip.Prefix
	add := func(n *net.IPNet) {
		if n == nil {
			return
		}
		bits, _ := n.Mask.Size()
		if a, ok := netip.AddrFromSlice(n.IP); ok && a.Unmap().Is4() && bits > 0 { // a default route shadows nothing
			out = append(out, netip.PrefixFrom(a.Unmap(), bits).Masked())
		}
	}
	for _, r := range routes {
		add(r.Dst)
	}
	for _, a := range addrs {
		add(a.IPNet)
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

// netnsDir is where named network namespaces are bound, as iproute2
// keeps them.
const netnsDir = "/run/netns"

// attach names the netns of pid as nsName, and plugs it into the bridge
// through a veth pair (host end hostVeth, inner end eth0 holding ip).
func (n *network) attach(pid int, nsName, hostVeth string, ip netip.Addr, mac string) error {
	if err := n.plug(pid, nsName, hostVeth, ip, mac); err != nil {
		n.detach(nsName, hostVeth)
		return err
	}
	return nil
}

func (n *network) plug(pid int, nsName, hostVeth string, ip netip.Addr, mac string) error {
	if err := bindNetns(pid, nsName); err != nil {
		return err
	}
	br, err := netlink.LinkByName(n.bridge)
	if err != nil {
		return fmt.Errorf("the bridge %s: %w", n.bridge, err)
	}
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: hostVeth, MasterIndex: br.Attrs().Index},
		PeerName: "eth0", PeerNamespace: netlink.NsPid(pid)}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("add the veth pair %s: %w", hostVeth, err)
	}
	if err := netlink.LinkSetUp(veth); err != nil {
		return fmt.Errorf("bring up %s: %w", hostVeth, err)
	}
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		return fmt.Errorf("the netns of %d: %w", pid, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	return inside(h, netip.PrefixFrom(ip, n.prefix.Bits()), mac)
}

// inside sets up the instance's side: lo up, eth0 with its MAC and address.
func inside(h *netlink.Handle, addr netip.Prefix, mac string) error {
	lo, err := h.LinkByName("lo")
	if err == nil {
		err = h.LinkSetUp(lo)
	}
	if err != nil {
		return fmt.Errorf("lo: %w", err)
	}
	eth, err := h.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("eth0: %w", err)
	}
	hw, err := net.ParseMAC(mac)
	if err == nil {
		err = h.LinkSetHardwareAddr(eth, hw)
	}
	if err == nil {
		err = h.AddrAdd(eth, &netlink.Addr{IPNet: ipNet(addr)})
	}
	if err == nil {
		err = h.LinkSetUp(eth)
	}
	if err != nil {
		return fmt.Errorf("eth0: %w", err)
	}
	return nil
}

// bindNetns names the netns of pid: a bind mount of /proc/<pid>/ns/net at
// /run/netns/<name>, as `ip netns attach` makes it.
func bindNetns(pid int, name string) error {
	if err := os.MkdirAll(netnsDir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(netnsDir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		return fmt.Errorf("name the netns %s: %w", name, err)
	}
	f.Close()
	if err := unix.Mount(fmt.Sprintf("/proc/%d/ns/net", pid), path, "", unix.MS_BIND, ""); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("name the netns %s: %w", name, err)
	}
	return nil
}

// deleteNetns removes a netns name (the namespace lives on while a
// process is in it).
func deleteNetns(name string) {
	path := filepath.Join(netnsDir, name)
	_ = unix.Unmount(path, unix.MNT_DETACH)
	_ = os.Remove(path)
}

// detach removes the veth pair and the netns name. Errors are ignored: the
// pair also vanishes with the namespace once the last process in it exits.
func (n *network) detach(nsName, hostVeth string) {
	if l, err := netlink.LinkByName(hostVeth); err == nil {
		_ = netlink.LinkDel(l)
	}
	deleteNetns(nsName)
}

// close deletes the bridge.
func (n *network) close() error {
	l, err := netlink.LinkByName(n.bridge)
	if err != nil {
		return fmt.Errorf("the bridge %s: %w", n.bridge, err)
	}
	return netlink.LinkDel(l)
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
