package deploy

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
)

// TestDeployWithExternalPostgres: the CLI with --datastore external and
// the URI from $OPENFGA_DATASTORE_URI, against the real PostgreSQL of
// .ci/postgres.sh (reached from the instances at the simulator's bridge
// gateway): migrate, run, verify; a second deploy rolls out and finds the
// tuple the first one wrote. The password shows nowhere.
func TestDeployWithExternalPostgres(t *testing.T) {
	bin := openfgaBinary(t)
	pw := os.Getenv("PG_PASSWORD")
	if pw == "" {
		t.Skip("PG_PASSWORD is not set: start the test PostgreSQL with eval \"$(bash .ci/postgres.sh | sed 's/^/export /')\"")
	}
	s, gw := startSimOnSubnet(t)
	ep := s.Endpoints()
	root := rootfsWith(t, bin, 0o755)
	t.Setenv("UKC_TOKEN", ep.Token)
	t.Setenv(PresharedKeyEnv, testKey)
	t.Setenv(DatastoreURIEnv, fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=disable",
		os.Getenv("PG_USER"), pw, gw, os.Getenv("PG_PORT"), os.Getenv("PG_DB")))
	args := []string{"--rootfs", root, "--name", "extfga", "--api", ep.API, "--registry", ep.Registry,
		"--ca", ep.CA, "--connect-to", ep.TLS, "--memory", "256", "--watch", "1s", "--datastore", "external"}
	var outs []string
	for i := 1; i <= 2; i++ {
		var stdout, stderr syncBuffer
		code := cliDeploy(args, &stdout, &stderr)
		outs = append(outs, stdout.String(), stderr.String())
		if code != 0 {
			t.Fatalf("deploy %d: exit %d\n%s", i, code, stderr.String())
		}
		d := decodeDeployment(t, stdout.String())
		if d.Datastore != "postgres" || !d.Persistent || !strings.Contains(stderr.String(), "migrate: done") {
			t.Errorf("deploy %d: datastore %s persistent %v\n%s", i, d.Datastore, d.Persistent, stderr.String())
		}
		if i == 2 && (len(d.Replaced) != 1 || d.Persistence != "the tuple written before this deployment is still allowed") {
			t.Errorf("rollout: replaced %v, persistence %q", d.Replaced, d.Persistence)
		}
	}
	noSecrets(t, map[string]string{"output": strings.Join(outs, "\n")}, pw, testKey, ep.Token)
}

// startSimOnSubnet starts a simulator on a subnet chosen here, so the
// host's address on its bridge (the .1) is known.
func startSimOnSubnet(t *testing.T) (*sim.Sim, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the simulator needs root (namespaces, bridge, cgroups): run go test as root")
	}
	for range 20 {
		var b [2]byte
		_, _ = rand.Read(b[:])
		prefix := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200 + b[0]%50, b[1], 0}), 24)
		s, err := sim.Start(sim.Options{Log: io.Discard, StopGrace: time.Second, Subnet: prefix.String()})
		if err == nil {
			t.Cleanup(func() { _ = s.Close() })
			return s, prefix.Addr().Next().String()
		}
		if !strings.Contains(err.Error(), "overlaps") {
			t.Fatal(err)
		}
	}
	t.Fatal("no free subnet for the simulator")
	return nil, ""
}
