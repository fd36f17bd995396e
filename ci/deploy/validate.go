package deploy

import (
	"cmp"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/buildcache"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftfile"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// plan is a deploy's inputs, checked and resolved before any request. It
// is a value: the steps read it, none of them changes it.
type plan struct {
	client     *kraftcloud.Client
	name       string
	memoryMB   int64
	services   []api.Service
	app        app
	auth       auth
	tracing    *Tracing
	userEnv    map[string]string // -e
	env        map[string]string // the instance's, all layers merged (see buildEnv)
	s2z        *api.ScaleToZero
	restart    api.RestartPolicy
	replicas   int
	ds         datastore.Datastore
	store      *storeFile
	domains    []string
	cert       *ownCert
	inputs     *buildcache.Inputs
	scale      *Autoscale
	run        runID // this deploy's: its instances carry it
	image      imageSpec
	front      front
	rootfs     string
	stamp      stamp
	keepFailed bool
	skipCopy   bool
	force      bool // roll out even when the running deployment is what is asked for
	t          Timeouts
	red        *redact.Redactor
	warnings   []string
}

// app is what runs: the Kraftfile's cmd, runtime, labels and env, or the defaults.
type app struct {
	cmd     []string
	runtime string
	labels  map[string]string
	env     map[string]string
}

// imageSpec is where the image goes and what it is built on.
type imageSpec struct {
	ref      unikernel.Ref
	runtime  string // full reference
	access   unikernel.Access
	existing string // an image of the repository to deploy as it is (<repo>@<digest>)
}

// front is how the public FQDN is reached: a CA to trust besides the
// system's, and an address to connect to instead of the FQDN's (both for
// the simulator).
type front struct {
	caPEM     []byte
	connectTo string
}

// stamp is what the record says runs.
type stamp struct{ version, commit string }

// nameRE is a DNS label: the name becomes the service group's name and
// public FQDN, the image's name and the instances' "<name>-<id>", whose
// "<name>-<id>.internal" must resolve too. The suffix takes 7 characters.
var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

const maxNameLen = 63 - 1 - kraftcloud.NameSuffixLen

// validate checks every input and resolves the plan. It sends nothing.
// The order matters where a check needs what an earlier one resolved:
// the env needs the ports and the Kraftfile, the rootfs the Kraftfile's
// cmd and the memory, scale-to-zero the env's datastore.
func validate(o Options) (plan, error) {
	if o.Client == nil {
		return plan{}, errors.New("no API client: give --metro or --api, and a token")
	}
	tok := o.Client.Token()
	if !tok.Valid() {
		return plan{}, errors.New("invalid token: expected base64 of user:secret")
	}
	p := plan{client: o.Client, name: o.Name, rootfs: o.Rootfs, keepFailed: o.KeepFailed, skipCopy: o.skipCopy, force: o.Force, inputs: o.Inputs,
		t: o.Timeouts.withDefaults(), ds: o.Datastore, red: redact.New(tok.Secrets()...), run: newRunID(time.Now())}
	p.red.Add(o.PresharedKeys...)
	p.red.Add(o.OIDC.secrets()...)
	p.red.Add(o.Tracing.secrets()...)
	p.red.Add(o.Certificate.secrets()...)
	if p.ds == nil {
		p.ds = datastore.Memory{}
	}
	p.red.Add(p.ds.Secrets()...)
	err := p.resolve(o, tok)
	return p, p.red.Err(err)
}

// Precheck validates o as Run does, sending nothing, before there is a
// root filesystem to deploy: the module checks its inputs before it builds
// anything. Only the root filesystem's own checks (preflight) wait for Run.
func Precheck(o Options) error {
	if o.Rootfs == "" && o.Image == "" {
		o.Image = "sha256:" + strings.Repeat("0", 64) // an image's reference is all validate reads of it
	}
	_, err := validate(o)
	return err
}

// resolve runs the checks in order, each storing what it resolved.
func (p *plan) resolve(o Options, tok kraftcloud.Token) error {
	var err error
	if err = checkName(p.name); err != nil {
		return err
	}
	if p.memoryMB, err = ParseMemory(o.Memory); err != nil {
		return err
	}
	if p.services, err = ParsePorts(o.Ports); err != nil {
		return err
	}
	if p.domains, err = checkDomains(o.Domains); err != nil {
		return err
	}
	if p.cert, err = checkCertificate(o.Certificate, p.name, p.domains); err != nil {
		return err
	}
	if p.restart, err = ParseRestart(o.Restart); err != nil {
		return err
	}
	if p.app, err = loadApp(o.Kraftfile, &p.warnings); err != nil {
		return err
	}
	if p.auth, err = checkAuth(o.PresharedKeys, o.NoAuth, o.OIDC, &p.warnings); err != nil {
		return err
	}
	if err = o.Tracing.check(); err != nil {
		return err
	}
	p.tracing = o.Tracing
	if p.userEnv, err = ParseEnv(o.Env); err != nil {
		return err
	}
	// The pool in the env is sized for the instances; checked below, once
	// the env says whether the datastore is persistent.
	p.replicas, p.scale = cmp.Or(o.Replicas, 1), o.Autoscale
	if o.Autoscale != nil && o.Replicas == 0 {
		p.replicas = max(o.Autoscale.Min, 1)
	}
	if p.env, err = p.buildEnv(); err != nil {
		return err
	}
	if p.front, err = checkFront(o.CAFile, o.ConnectTo); err != nil {
		return err
	}
	if p.image, err = imageFor(o, tok, p.name, p.app.runtime, p.front.caPEM); err != nil {
		return err
	}
	if p.stamp, err = checkSource(o, p.app.cmd[0], p.memoryMB, &p.image, &p.warnings); err != nil {
		return err
	}
	if p.s2z, err = scaleToZero(cmp.Or(o.ScaleToZero, p.app.labels[kraftfile.LabelScaleToZeroPolicy]), p.app.labels, p.persistent(), p.engine(), &p.warnings); err != nil {
		return err
	}
	if err = p.checkScale(o); err != nil {
		return err
	}

	p.store, err = loadStore(o.Store, o.StoreID, p.env)
	return err
}

// checkScale resolves how many instances serve, and up to how many.
func (p *plan) checkScale(o Options) error {
	var err error
	if p.replicas, err = checkReplicas(o.Replicas, p.persistent(), p.engine()); err != nil {
		return err
	}
	if o.Autoscale != nil {
		p.replicas, err = o.Autoscale.check(o.Replicas, p.persistent(), p.engine())
	}
	p.scale = o.Autoscale
	return err
}

// ParseRestart reads --restart: on-failure (the default), always or never.
func ParseRestart(s string) (api.RestartPolicy, error) {
	switch p := api.RestartPolicy(cmp.Or(s, DefaultRestart)); p {
	case api.RestartOnFailure, api.RestartOnFailureLegacy:
		return api.RestartOnFailure, nil
	case api.RestartAlways, api.RestartNever:
		return p, nil
	}
	return "", fmt.Errorf("restart %q: want on-failure, always or never", s)
}

// checkReplicas: one instance by default; more share one database, so the
// memory datastore (one per instance) allows only one.
func checkReplicas(n int, persistent bool, engine string) (int, error) {
	switch {
	case n == 0:
		return 1, nil
	case n < 0 || n > MaxReplicas:
		return 0, fmt.Errorf("replicas %d: want 1 to %d", n, MaxReplicas)
	case n > 1 && !persistent:
		return 0, fmt.Errorf("replicas %d with the %s datastore: each instance would hold its own data, so a check answered by one would not see a tuple written to another; use --datastore postgres (or external) for more than one replica", n, engine)
	}
	return n, nil
}

func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("no name: give --name (it names the service group, the image and the instances)")
	case len(name) > maxNameLen || !nameRE.MatchString(name):
		return fmt.Errorf("name %q: use 1 to %d lowercase letters, digits and inner dashes (a DNS label: instances are named %s-<id>)", name, maxNameLen, name)
	}
	return nil
}

// loadApp takes cmd, runtime, env and labels from the Kraftfile, if one
// is given, else the defaults.
func loadApp(path string, warnings *[]string) (app, error) {
	a := app{cmd: strings.Fields(DefaultCmd), runtime: DefaultRuntime}
	if path == "" {
		return a, nil
	}
	k, err := kraftfile.Load(path)
	if err != nil {
		return a, err
	}
	if k.Rootfs != nil && k.Rootfs.Format == "erofs" {
		*warnings = append(*warnings, "the Kraftfile asks for an erofs rootfs; this deploy packages a cpio initrd (the format known to boot on base-compat)")
	}
	for key := range k.Env {
		if strings.HasPrefix(key, authPrefix) {
			return a, fmt.Errorf("%s: env sets %s: set authentication with --preshared-key (or OPENFGA_PRESHARED_KEY) or --oidc-issuer, or turn it off explicitly with --no-auth", path, key)
		}
	}
	return app{cmd: k.Cmd, runtime: k.Runtime, labels: k.Labels, env: map[string]string(k.Env)}, nil
}

// buildEnv layers the env (OpenFGA's settings, the datastore's, the
// Kraftfile's, -e) and checks it: OpenFGA must listen where the 443
// service sends traffic, and it all must fit the kernel command line.
// It runs again once a datastore is prepared, since its URI is new then;
// every secret it meets is added to the redactor.
func (p *plan) buildEnv() (map[string]string, error) {
	port := httpsService(p.services).DestinationPort
	env := mergeEnv(openfgaEnv(port), p.auth.env(), p.tracing.env(), p.ds.Env(), p.poolEnv(), p.app.env, p.userEnv,
		map[string]string{RunEnv: string(p.run)})
	p.red.Add(p.ds.Secrets()...)
	p.red.Add(p.auth.secrets()...)
	p.red.Add(p.tracing.secrets()...)
	p.red.Add(secretValues(env)...)
	if err := checkHTTPAddr(env, port); err != nil {
		return nil, err
	}
	return env, checkCmdline(env, p.app.cmd)
}

// poolEnv sizes OpenFGA's connection pool for the instances on a
// PostgreSQL datastore (nil for the memory datastore).
func (p *plan) poolEnv() map[string]string {
	if p.ds.Engine() != datastore.Engine {
		return nil
	}
	return p.pool().Env()
}

// pool shares the database's connections among as many instances as may
// serve at once: the replicas, or autoscale's maximum.
func (p *plan) pool() datastore.Pool {
	n := p.replicas
	if p.scale != nil {
		n = max(n, p.scale.Max)
	}
	return datastore.PoolFor(n)
}

// checkSource checks what is deployed: a rootfs (preflighted here), or an
// image of this deployment's repository (preflighted from the registry at
// the package step; only its reference is checked here).
func checkSource(o Options, bin string, memoryMB int64, img *imageSpec, warnings *[]string) (stamp, error) {
	switch {
	case o.Image != "" && o.Rootfs != "":
		return stamp{}, errors.New("both a rootfs and an image: deploy one")
	case o.Image == "":
		return checkRootfs(o.Rootfs, bin, memoryMB, o.OpenFGAVersion, o.Commit, warnings)
	}
	repo := img.ref.Repository()
	digest, ok := strings.CutPrefix(o.Image, repo+"@")
	if !ok {
		digest = o.Image
	}
	if !digestRE.MatchString(digest) || len(digest) != len("sha256:")+64 {
		return stamp{}, fmt.Errorf("image %q: want sha256:<64 hex digits> or %s@sha256:…, an image of this deployment", o.Image, repo)
	}
	img.existing = repo + "@" + digest
	return stamp{version: cmp.Or(o.OpenFGAVersion, "unknown"), commit: cmp.Or(o.Commit, "unknown")}, nil
}

// imageFor builds the image and runtime references and the registry
// access from the token.
func imageFor(o Options, tok kraftcloud.Token, name, runtime string, caPEM []byte) (imageSpec, error) {
	reg, access := unikernel.AccessFor(cmp.Or(o.Registry, DefaultRegistry), tok, caPEM)
	ref, err := unikernel.NewRef(reg, tok.Namespace(), name, o.Tag)
	if err != nil {
		return imageSpec{}, err
	}
	return imageSpec{ref: ref, access: access, runtime: unikernel.RuntimeRef(reg, cmp.Or(o.Runtime, runtime))}, nil
}

func checkFront(caFile, connectTo string) (front, error) {
	if connectTo != "" {
		if _, port, err := net.SplitHostPort(connectTo); err != nil || port == "" {
			return front{}, fmt.Errorf("connect-to %q: want HOST:PORT", connectTo)
		}
	}
	f := front{connectTo: connectTo}
	if caFile == "" {
		return f, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return f, fmt.Errorf("ca: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return f, fmt.Errorf("ca %s: no PEM certificate", caFile)
	}
	f.caPEM = pem
	return f, nil
}

// scaleToZero applies --scale-to-zero or the Kraftfile labels; a datastore
// that keeps nothing across a stop must not be scaled to zero.
func scaleToZero(policy string, labels map[string]string, persistent bool, engine string, warnings *[]string) (*api.ScaleToZero, error) {
	off := &api.ScaleToZero{Policy: api.ScaleToZeroOff}
	switch api.ScaleToZeroPolicy(policy) {
	case "", api.ScaleToZeroOff:
		return off, nil
	case api.ScaleToZeroOn, api.ScaleToZeroIdle:
	default:
		return nil, fmt.Errorf("scale-to-zero %q: want on, off or idle", policy)
	}
	if !persistent {
		*warnings = append(*warnings, fmt.Sprintf("scale-to-zero %q turned off: the %s datastore would lose its data at every scale-down", policy, engine))
		return off, nil
	}
	z := &api.ScaleToZero{Policy: api.ScaleToZeroPolicy(policy), Stateful: labels[kraftfile.LabelScaleToZeroStateful] == "true"}
	_, _ = fmt.Sscan(labels[kraftfile.LabelScaleToZeroCooldown], &z.CooldownTimeMs)
	return z, nil
}

// engine is the datastore the instance really gets: a user's -e may
// override the configured one.
func (p *plan) engine() string { return p.env["OPENFGA_DATASTORE_ENGINE"] }

func (p *plan) persistent() bool {
	return p.engine() != "memory" && (p.engine() != p.ds.Engine() || p.ds.Persistent())
}
