package sim

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Main is `go run . sim [--api ADDR] [--registry ADDR] [--tls ADDR]
// [--token TOKEN] [--dir DIR]`: it starts a simulator, prints its
// Endpoints as exactly one JSON line on stdout, logs to stderr, and runs
// until SIGINT or SIGTERM, then removes everything it made. It returns the
// exit code: 0 after a clean stop, 1 if it could not start, 2 on usage.
func Main(args []string) int {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	var o Options
	fs.StringVar(&o.APIAddr, "api", "", "API listen address (default a free 127.0.0.1 port)")
	fs.StringVar(&o.RegistryAddr, "registry", "", "registry listen address (default a free 127.0.0.1 port)")
	fs.StringVar(&o.TLSAddr, "tls", "", "TLS front listen address (default a free 127.0.0.1 port)")
	fs.StringVar(&o.HTTPAddr, "http", "", "plain-HTTP front (80 -> 443 redirect) listen address (default a free 127.0.0.1 port)")
	fs.StringVar(&o.Token, "token", "", "API token, base64(\"user:secret\") (default generated)")
	fs.StringVar(&o.Dir, "dir", "", "state directory (default a temporary one, removed on exit)")
	fs.StringVar(&o.Subnet, "subnet", "", "private network, e.g. 10.201.7.0/24 (default a free 10.x.y.0/24)")
	fs.StringVar(&o.Bridge, "bridge", "", "bridge name (default ukcsim + random hex)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "sim: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	// Catch signals before starting, so a SIGTERM during start-up still
	// leads to a clean removal.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	s, err := Start(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	line, _ := json.Marshal(s.Endpoints())
	fmt.Fprintln(os.Stdout, string(line))
	sig := <-sigs
	fmt.Fprintf(os.Stderr, "sim: %v: removing instances, network and cgroups\n", sig)
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "sim: close:", err)
		return 1
	}
	return 0
}
