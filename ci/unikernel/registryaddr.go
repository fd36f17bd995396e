package unikernel

import (
	"net"
	"strings"
)

// RegistryAddr splits an optional scheme off a registry address: "http://"
// asks for plain HTTP (a local registry on a private address, like the
// simulator's inside a Dagger engine's network), "https://" for TLS; without
// a scheme only a loopback registry is spoken to in plain HTTP.
func RegistryAddr(reg string) (hostport string, plainHTTP bool) {
	if h, ok := strings.CutPrefix(reg, "http://"); ok {
		return h, true
	}
	if h, ok := strings.CutPrefix(reg, "https://"); ok {
		return h, false
	}
	host, _, err := net.SplitHostPort(reg)
	if err != nil {
		host = reg
	}
	ip := net.ParseIP(host)
	return reg, host == "localhost" || (ip != nil && ip.IsLoopback())
}
