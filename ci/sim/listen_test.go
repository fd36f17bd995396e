package sim

import (
	"strings"
	"testing"
)

func TestListenRefusesAddressesOffLoopback(t *testing.T) {
	if !hasDefaultRoute() {
		t.Skip("this network namespace has no default route: private local addresses are allowed here")
	}
	_, err := listenLoopback("10.255.255.254:0")
	if err == nil || !strings.Contains(err.Error(), "only loopback addresses") {
		t.Fatalf("listen on a private address = %v, want a refusal", err)
	}
	l, err := listenLoopback("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}
