package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// Sim starts a local KraftCloud, prints its Endpoints as exactly one JSON
// line on stdout, logs to stderr, and runs until SIGINT or SIGTERM, then
// removes everything it made. Exit 0 after a clean stop, 1 if it could not
// start, 2 on usage.
var Sim = Command{Name: "sim", Summary: "a local KraftCloud (needs root): prints one JSON line of endpoints, runs until interrupted", Run: simCmd}

func simCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sim", stderr)
	o := sim.Options{Log: stderr}
	fs.StringVar(&o.APIAddr, "api", "", "API listen address (default a free 127.0.0.1 port)")
	fs.StringVar(&o.RegistryAddr, "registry", "", "registry listen address (default a free 127.0.0.1 port)")
	fs.StringVar(&o.TLSAddr, "tls", "", "TLS front listen address (default a free 127.0.0.1 port)")
	fs.StringVar(&o.HTTPAddr, "http", "", "plain-HTTP front (80 -> 443 redirect) listen address (default a free 127.0.0.1 port)")
	fs.StringVar(&o.Token, "token", "", "API token, base64(\"user:secret\") (default generated)")
	fs.StringVar(&o.Dir, "dir", "", "state directory (default a temporary one, removed on exit)")
	fs.StringVar(&o.Subnet, "subnet", "", "private network, e.g. 10.201.7.0/24 (default a free 10.x.y.0/24)")
	fs.StringVar(&o.Bridge, "bridge", "", "bridge name (default ukcsim + random hex)")
	fs.BoolVar(&o.Container, "container", false, "the simulator runs in a container of its own (a Dagger service): listen on its addresses (0.0.0.0), not only on loopback")
	dialect := fs.String("dialect", string(spec.V1), "API generation served: v1 (the current spec) or legacy (the 2024 spec: arrays, on-failure, no tags, no volume clone)")
	if !parse(fs, args, stderr) {
		return 2
	}
	o.Dialect = spec.Dialect(*dialect)
	// Catch signals before starting, so a SIGTERM during start-up still
	// leads to a clean removal.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	s, err := sim.Start(o)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	line, _ := json.Marshal(s.Endpoints())
	fmt.Fprintln(stdout, string(line))
	sig := <-sigs
	fmt.Fprintf(stderr, "sim: %v: removing instances, network and cgroups\n", sig)
	if err := s.Close(); err != nil {
		fmt.Fprintln(stderr, "sim: close:", err)
		return 1
	}
	return 0
}
