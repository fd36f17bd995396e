package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/deploy"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// Environment variables for the secrets: a key, a password or a URI on the
// command line would end up in shell history and ps.
const (
	PresharedKeyEnv       = "OPENFGA_PRESHARED_KEY"
	PostgresPasswordEnv   = "OPENFGA_POSTGRES_PASSWORD"
	DatastoreURIEnv       = "OPENFGA_DATASTORE_URI"
	VerifyClientSecretEnv = "OPENFGA_VERIFY_CLIENT_SECRET"
	OTLPHeadersEnv        = "OTEL_EXPORTER_OTLP_HEADERS"
)

// Deploy is the module's deploy from a prepared root filesystem; it prints
// the Deployment JSON and exits 0 only when verified.
var Deploy = Command{Name: "deploy", Summary: "package, push, run and verify a root filesystem on KraftCloud; prints the Deployment JSON", Run: deployCmd}

// Status, Logs and Destroy act on a deployment by name.
var (
	Status  = Command{Name: "status", Summary: "the deployment's instances and states, diagnosed when not running (exit 1 when none serves)", Run: statusCmd}
	Logs    = Command{Name: "logs", Summary: "console output of one of the deployment's instances", Run: logsCmd}
	Destroy = Command{Name: "destroy", Summary: "remove a deployment (its database only when asked)", Run: destroyCmd}
)

// target are the flags of every command on a deployment: the connection
// and the name.
type target struct {
	conn conn
	name string
}

func (t *target) register(fs *flag.FlagSet) {
	t.conn.register(fs)
	fs.StringVar(&t.name, "name", "", "the deployment's name")
}

// deployFlags are the flags of every command that rolls a deployment out
// (deploy, rollback, restore): what runs and how.
type deployFlags struct {
	t                 target
	o                 deploy.Options
	ports, env, keys  list
	domains           list
	certFile, keyFile string
	ds                datastore.Spec
	oidc              deploy.OIDC
	aliases           list
	trace             deploy.Tracing
	autoscale, cpu    string
}

func (d *deployFlags) register(fs *flag.FlagSet) {
	o := &d.o
	d.t.register(fs)
	fs.Lookup("ca").Usage = "PEM file of a CA to trust for the API, the registry and the public FQDN (the simulator's)"
	fs.StringVar(&o.Kraftfile, "kraftfile", "", "Kraftfile for cmd, runtime, env and labels (default: cmd "+deploy.DefaultCmd+")")
	fs.StringVar(&o.Memory, "memory", deploy.DefaultMemory, "memory: MiB, or with Mi/Gi")
	fs.StringVar(&o.Memory, "M", deploy.DefaultMemory, "short for --memory")
	fs.Var(&d.ports, "port", "EXT:INT/handlers, repeatable (default "+strings.Join(deploy.DefaultPorts, " ")+")")
	fs.Var(&d.ports, "p", "short for --port")
	fs.Var(&d.domains, "domain", "your own domain the deployment answers on too (point a CNAME at its FQDN), repeatable")
	fs.StringVar(&d.certFile, "certificate", "", "PEM file of your certificate chain for the --domain names (default: the platform issues one)")
	fs.StringVar(&d.keyFile, "certificate-key", "", "PEM file of that certificate's private key")
	fs.Var(&d.env, "env", "KEY=VALUE for the instance, repeatable (KEY alone: copied from the local environment)")
	fs.Var(&d.env, "e", "short for --env")
	fs.StringVar(&o.ScaleToZero, "scale-to-zero", "", "on, off or idle (default: the Kraftfile's label; off for the memory datastore)")
	fs.StringVar(&o.Restart, "restart", deploy.DefaultRestart, "restart policy of OpenFGA's instances: on-failure, always or never")
	fs.IntVar(&o.Replicas, "replicas", 0, "how many instances serve (default 1, or autoscale's MIN; more than one needs --datastore postgres or external)")
	fs.StringVar(&d.autoscale, "autoscale", "", "MIN:MAX: let the platform add instances under CPU load and remove them after (more than one needs --datastore postgres or external)")
	fs.StringVar(&d.cpu, "autoscale-cpu", "", fmt.Sprintf("LOW:HIGH percent CPU: one instance fewer below LOW, one more above HIGH (default %d:%d)", deploy.DefaultCPULow, deploy.DefaultCPUHigh))
	fs.StringVar(&o.Registry, "registry", deploy.DefaultRegistry, "registry [http://]HOST[:PORT] (http:// or a loopback host: plain HTTP)")
	fs.StringVar(&o.Runtime, "runtime", "", "runtime image (default: the Kraftfile's, else "+deploy.DefaultRuntime+")")
	fs.StringVar(&o.Tag, "tag", deploy.DefaultTag, "image tag")
	fs.StringVar(&o.ConnectTo, "connect-to", "", "HOST:PORT to send the public FQDN's traffic to (like curl --connect-to)")
	fs.Var(&d.keys, "preshared-key", "OpenFGA preshared key, repeatable (default $"+PresharedKeyEnv+", comma-separated)")
	fs.BoolVar(&o.NoAuth, "no-auth", false, "deploy OpenFGA WITHOUT authentication (explicit opt-out)")
	fs.StringVar(&d.oidc.Issuer, "oidc-issuer", "", "authenticate with OIDC tokens of this issuer (URL) instead of preshared keys")
	fs.StringVar(&d.oidc.Audience, "oidc-audience", "", "the audience OpenFGA accepts OIDC tokens for (required with --oidc-issuer)")
	fs.Var(&d.aliases, "oidc-issuer-alias", "another issuer URL OpenFGA accepts in tokens, repeatable")
	fs.StringVar(&d.oidc.ClientID, "verify-client-id", "", "OIDC: the client the verification gets its token as (client-credentials grant)")
	fs.StringVar(&d.oidc.ClientSecret, "verify-client-secret", "", "OIDC: that client's secret (default $"+VerifyClientSecretEnv+"; prefer the variable)")
	fs.StringVar(&d.oidc.TokenURL, "verify-token-url", "", "OIDC: the token endpoint (default: the issuer's discovery document's)")
	fs.StringVar(&d.trace.Endpoint, "otlp-endpoint", "", "send OpenFGA's traces to this OTLP/gRPC collector, HOST:PORT or https://HOST:PORT")
	fs.StringVar(&d.trace.Headers, "otlp-headers", "", "OTLP headers key=value,... (default $"+OTLPHeadersEnv+"; a secret: prefer the variable)")
	fs.Float64Var(&d.trace.SampleRatio, "trace-sample-ratio", 0, "share of requests traced, 0..1 (default: OpenFGA's, 0.2)")
	fs.StringVar(&o.Store, "store", "", "store file (.fga.yaml): its tests gate the deploy, its store, model and tuples are bootstrapped on it")
	fs.StringVar(&o.StoreID, "store-id", "", "the store to bootstrap when several have the store file's name")
	fs.BoolVar(&o.KeepFailed, "keep-failed", false, "keep a failed instance for inspection")
	fs.BoolVar(&o.Force, "force", false, "roll out even when the running deployment already is what this deploy asks for")
	fs.StringVar(&o.OpenFGAVersion, "openfga-version", "", "OpenFGA version for the record (default: from the binary's build info)")
	fs.StringVar(&o.Commit, "commit", "", "OpenFGA commit for the record")
	fs.DurationVar(&o.Timeouts.Watch, "watch", deploy.DefaultTimeouts.Watch, "how long the instance must stay running")
	fs.DurationVar(&o.Timeouts.Verify, "verify-timeout", deploy.DefaultTimeouts.Verify, "bound of the verification through the FQDN")
	datastoreFlags(fs, &d.ds)
}

// options completes the deploy options from the flags and the
// environment (the token, the keys, the datastore's secrets).
func (d *deployFlags) options(stderr io.Writer) (deploy.Options, error) {
	o := d.o
	cl, err := d.t.client(stderr)
	if err != nil {
		return o, err
	}
	if o.Env, err = localEnv(d.env); err != nil {
		return o, err
	}
	if o.Datastore, err = buildDatastore(d.ds, cl.Token().Namespace()); err != nil {
		return o, err
	}
	o.Client, o.Name, o.CAFile, o.Ports, o.Domains, o.Log = cl, d.t.name, d.t.conn.ca, d.ports, d.domains, stderr
	o.PresharedKeys = d.keys
	if d.oidc.Issuer != "" {
		oidc := d.oidc
		oidc.IssuerAliases = d.aliases
		oidc.ClientSecret = cmp.Or(oidc.ClientSecret, os.Getenv(VerifyClientSecretEnv))
		o.OIDC = &oidc
	} else if len(d.keys) == 0 && !o.NoAuth {
		if k := strings.TrimSpace(os.Getenv(PresharedKeyEnv)); k != "" {
			o.PresharedKeys = strings.Split(k, ",")
		}
	}
	if o.Certificate, err = readCertificate(d.certFile, d.keyFile); err != nil {
		return o, err
	}
	if o.Autoscale, err = deploy.ParseAutoscale(d.autoscale); err != nil {
		return o, err
	}
	if d.cpu != "" && o.Autoscale == nil {
		return o, errors.New("--autoscale-cpu without --autoscale")
	}
	if o.Autoscale != nil {
		if err := o.Autoscale.ParseCPU(d.cpu); err != nil {
			return o, err
		}
	}
	if d.trace.Endpoint != "" {
		trace := d.trace
		trace.Headers = cmp.Or(trace.Headers, os.Getenv(OTLPHeadersEnv))
		o.Tracing = &trace
	}
	return o, nil
}

func deployCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("deploy", stderr)
	var d deployFlags
	d.register(fs)
	fs.StringVar(&d.o.Rootfs, "rootfs", "", "root filesystem directory (dagger call rootfs export --path DIR)")
	if !parse(fs, args, stderr) {
		return 2
	}
	o, err := d.options(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "deploy:", err)
		return 2
	}
	return rollOut(o, stdout, stderr)
}

// rollOut runs the deploy until verified or cancelled (SIGINT, SIGTERM)
// and prints the record.
func rollOut(o deploy.Options, stdout, stderr io.Writer) int {
	ctx, cancel := signalContext()
	defer cancel()
	rec, err := deploy.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return printJSON(stdout, stderr, rec)
}

// datastoreFlags are deploy's datastore options; the secrets come from
// the environment unless given.
func datastoreFlags(fs *flag.FlagSet, s *datastore.Spec) {
	fs.StringVar(&s.Kind, "datastore", "memory", "memory (lost on every restart), postgres (on the platform, with a volume) or external (a PostgreSQL URI)")
	fs.StringVar(&s.Image, "postgres-image", "", "PostgreSQL unikernel image (go run . pgimage), e.g. <user>/openfga-pg:15 (default: <your namespace>/openfga-pg:15)")
	fs.Int64Var(&s.VolumeMB, "volume-size", datastore.DefaultVolumeMB, "size of a new PostgreSQL volume in MiB (an existing one is reused)")
	fs.Int64Var(&s.MemoryMB, "postgres-memory", datastore.DefaultMemoryMB, "PostgreSQL instance memory in MiB")
	fs.StringVar(&s.Password, "postgres-password", "", "PostgreSQL password (default $"+PostgresPasswordEnv+", else the running database's, else generated)")
	fs.BoolVar(&s.Public, "postgres-public", false, "also publish PostgreSQL on port 5432 (TLS by the platform); off: private network only")
	fs.StringVar(&s.URI, "datastore-uri", "", "external PostgreSQL URI (default $"+DatastoreURIEnv+"; prefer the variable: a URI holds a password)")
}

// buildDatastore completes the datastore's secrets from the environment
// and builds it; namespace (the token's) completes the default image.
func buildDatastore(s datastore.Spec, namespace string) (datastore.Datastore, error) {
	s.Password = cmp.Or(s.Password, os.Getenv(PostgresPasswordEnv))
	s.URI = cmp.Or(s.URI, os.Getenv(DatastoreURIEnv))
	return s.Build(namespace)
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

func (t *target) client(stderr io.Writer) (*kraftcloud.Client, error) {
	if t.name == "" {
		return nil, fmt.Errorf("--name is required")
	}
	return t.conn.client(stderr)
}

func statusCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("status", stderr)
	var t target
	t.register(fs)
	registry := fs.String("registry", deploy.DefaultRegistry, "registry [http://]HOST[:PORT] of the deployment's image (its release record names the store)")
	if !parse(fs, args, stderr) {
		return 2
	}
	cl, err := t.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "status:", err)
		return 2
	}
	ctx, cancel := signalContext()
	defer cancel()
	rep, err := deploy.Status(ctx, cl, deploy.Where{Name: t.name, Registry: *registry, CAFile: t.conn.ca})
	if err != nil {
		fmt.Fprintln(stderr, "status:", err)
		return 1
	}
	if code := printJSON(stdout, stderr, rep); code != 0 || !rep.Serving {
		return 1
	}
	return 0
}

func logsCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("logs", stderr)
	var t target
	t.register(fs)
	instance := fs.String("instance", "", "instance name or UUID (default: the newest running one)")
	tail := fs.Int64("tail", 0, "only the last N bytes (0: all that is kept)")
	follow := fs.Bool("follow", false, "keep printing new output until the instance stops")
	fs.BoolVar(follow, "f", false, "short for --follow")
	if !parse(fs, args, stderr) {
		return 2
	}
	cl, err := t.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "logs:", err)
		return 2
	}
	ctx, cancel := signalContext()
	defer cancel()
	if err := deploy.Logs(ctx, cl, t.name, *instance, *tail, *follow, stdout); err != nil {
		fmt.Fprintln(stderr, "logs:", err)
		return 1
	}
	return 0
}

func destroyCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("destroy", stderr)
	var t target
	t.register(fs)
	var o deploy.DestroyOptions
	fs.BoolVar(&o.Image, "image", false, "also delete the deployment's image from the registry")
	fs.StringVar(&o.Registry, "registry", deploy.DefaultRegistry, "registry HOST[:PORT] (for --image)")
	fs.StringVar(&o.Tag, "tag", deploy.DefaultTag, "image tag (for --image)")
	fs.BoolVar(&o.DeleteDatabase, "delete-database", false, "also delete the PostgreSQL instance (its volume, and so the data, stays)")
	fs.BoolVar(&o.DeleteData, "delete-data", false, "also delete the PostgreSQL instance AND its volume: the data is gone for good")
	if !parse(fs, args, stderr) {
		return 2
	}
	cl, err := t.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "destroy:", err)
		return 2
	}
	o.Name, o.CAFile, o.Log = t.name, t.conn.ca, stderr
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := deploy.Destroy(ctx, cl, o)
	if err != nil {
		fmt.Fprintln(stderr, "destroy:", err)
		printJSON(stdout, stderr, out)
		return 1
	}
	return printJSON(stdout, stderr, out)
}

// readCertificate reads --certificate and --certificate-key, both or none.
func readCertificate(certFile, keyFile string) (*deploy.Certificate, error) {
	switch {
	case certFile == "" && keyFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, errors.New("--certificate and --certificate-key go together")
	}
	chain, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	return &deploy.Certificate{Chain: string(chain), Key: string(key)}, nil
}
