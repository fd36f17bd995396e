package deploy

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// Commands are the CLI entry points (`go run . deploy|status|logs|destroy`);
// each returns the exit code: 0 done (deploy: verified), 1 failed, 2 usage.
var Commands = map[string]func(args []string) int{
	"deploy":  func(a []string) int { return cliDeploy(a, os.Stdout, os.Stderr) },
	"status":  func(a []string) int { return cliStatus(a, os.Stdout, os.Stderr) },
	"logs":    func(a []string) int { return cliLogs(a, os.Stdout, os.Stderr) },
	"destroy": func(a []string) int { return cliDestroy(a, os.Stdout, os.Stderr) },
}

// PresharedKeyEnv is read when --preshared-key is not given.
const PresharedKeyEnv = "OPENFGA_PRESHARED_KEY"

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// common are the flags of every command: the connection and the name.
type common struct {
	conn kraftcloud.ConnFlags
	name string
}

func (c *common) register(fs *flag.FlagSet) {
	c.conn.Register(fs)
	fs.StringVar(&c.name, "name", "", "the deployment's name")
}

func (c *common) client(stderr io.Writer) (*kraftcloud.Client, error) {
	if c.name == "" {
		return nil, fmt.Errorf("--name is required")
	}
	return c.conn.Client(kraftcloud.WithLogf(func(format string, args ...any) {
		fmt.Fprintf(stderr, format+"\n", args...)
	}))
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func cliDeploy(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("deploy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	fs.Lookup("ca").Usage = "PEM file of a CA to trust for the API, the registry and the public FQDN (the simulator's)"
	var o Options
	var ports, env, keys list
	fs.StringVar(&o.Rootfs, "rootfs", "", "root filesystem directory (dagger call rootfs export --path DIR)")
	fs.StringVar(&o.Kraftfile, "kraftfile", "", "Kraftfile for cmd, runtime, env and labels (default: cmd "+DefaultCmd+")")
	fs.StringVar(&o.Memory, "memory", DefaultMemory, "memory: MiB, or with Mi/Gi")
	fs.StringVar(&o.Memory, "M", DefaultMemory, "short for --memory")
	fs.Var(&ports, "port", "EXT:INT/handlers, repeatable (default "+strings.Join(DefaultPorts, " ")+")")
	fs.Var(&ports, "p", "short for --port")
	fs.Var(&env, "env", "KEY=VALUE for the instance, repeatable")
	fs.Var(&env, "e", "short for --env")
	fs.StringVar(&o.ScaleToZero, "scale-to-zero", "", "on, off or idle (default: the Kraftfile's label; off for the memory datastore)")
	fs.StringVar(&o.Registry, "registry", DefaultRegistry, "registry [http://]HOST[:PORT] (http:// or a loopback host: plain HTTP)")
	fs.StringVar(&o.Runtime, "runtime", "", "runtime image (default: the Kraftfile's, else "+DefaultRuntime+")")
	fs.StringVar(&o.Tag, "tag", DefaultTag, "image tag")
	fs.StringVar(&o.ConnectTo, "connect-to", "", "HOST:PORT to send the public FQDN's traffic to (like curl --connect-to)")
	fs.Var(&keys, "preshared-key", "OpenFGA preshared key, repeatable (default $"+PresharedKeyEnv+")")
	fs.BoolVar(&o.NoAuth, "no-auth", false, "deploy OpenFGA WITHOUT authentication (explicit opt-out)")
	fs.BoolVar(&o.KeepFailed, "keep-failed", false, "keep a failed instance for inspection")
	fs.StringVar(&o.OpenFGAVersion, "openfga-version", "", "OpenFGA version for the record (default: from the binary's build info)")
	fs.StringVar(&o.Commit, "commit", "", "OpenFGA commit for the record")
	fs.DurationVar(&o.Timeouts.Watch, "watch", DefaultTimeouts.Watch, "how long the instance must stay running")
	fs.DurationVar(&o.Timeouts.Verify, "verify-timeout", DefaultTimeouts.Verify, "bound of the verification through the FQDN")
	var dsf datastoreFlags
	dsf.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "deploy: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cl, err := c.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "deploy:", err)
		return 2
	}
	if o.Env, err = localEnv(env); err != nil {
		fmt.Fprintln(stderr, "deploy:", err)
		return 2
	}
	o.Client, o.Name, o.CAFile, o.Ports, o.Log = cl, c.name, c.conn.CA, ports, stderr
	if o.Datastore, err = dsf.build(cl.Token().Namespace()); err != nil {
		fmt.Fprintln(stderr, "deploy:", err)
		return 2
	}
	o.PresharedKeys = keys
	if len(keys) == 0 && !o.NoAuth {
		if k := strings.TrimSpace(os.Getenv(PresharedKeyEnv)); k != "" {
			o.PresharedKeys = strings.Split(k, ",")
		}
	}
	ctx, cancel := signalContext()
	defer cancel()
	rec, err := Run(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return printJSON(stdout, stderr, rec)
}

func cliStatus(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cl, err := c.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "status:", err)
		return 2
	}
	ctx, cancel := signalContext()
	defer cancel()
	rep, err := Status(ctx, cl, c.name)
	if err != nil {
		fmt.Fprintln(stderr, "status:", err)
		return 1
	}
	if code := printJSON(stdout, stderr, rep); code != 0 || !rep.Serving {
		return 1
	}
	return 0
}

func cliLogs(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	instance := fs.String("instance", "", "instance name or UUID (default: the newest running one)")
	tail := fs.Int64("tail", 0, "only the last N bytes (0: all that is kept)")
	follow := fs.Bool("follow", false, "keep printing new output until the instance stops")
	fs.BoolVar(follow, "f", false, "short for --follow")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cl, err := c.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "logs:", err)
		return 2
	}
	ctx, cancel := signalContext()
	defer cancel()
	if err := Logs(ctx, cl, c.name, *instance, *tail, *follow, stdout); err != nil {
		fmt.Fprintln(stderr, "logs:", err)
		return 1
	}
	return 0
}

func cliDestroy(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("destroy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	var o DestroyOptions
	fs.BoolVar(&o.Image, "image", false, "also delete the deployment's image from the registry")
	fs.StringVar(&o.Registry, "registry", DefaultRegistry, "registry HOST[:PORT] (for --image)")
	fs.StringVar(&o.Tag, "tag", DefaultTag, "image tag (for --image)")
	destroyDataFlags(fs, &o)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cl, err := c.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "destroy:", err)
		return 2
	}
	o.Name, o.CAFile, o.Log = c.name, c.conn.CA, stderr
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := Destroy(ctx, cl, o)
	if err != nil {
		fmt.Fprintln(stderr, "destroy:", err)
		printJSON(stdout, stderr, out)
		return 1
	}
	return printJSON(stdout, stderr, out)
}

// localEnv completes kraft's -e KEY (no value) from the local environment.
func localEnv(list []string) ([]string, error) {
	out := make([]string, len(list))
	for i, kv := range list {
		if strings.Contains(kv, "=") {
			out[i] = kv
			continue
		}
		v, ok := os.LookupEnv(kv)
		if !ok {
			return nil, fmt.Errorf("env %s: not set locally (write %s=VALUE)", kv, kv)
		}
		out[i] = kv + "=" + v
	}
	return out, nil
}

func printJSON(stdout, stderr io.Writer, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
