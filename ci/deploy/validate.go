package deploy

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftfile"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// plan is everything Run needs, resolved and checked before any request.
type plan struct {
	opts     Options
	client   *kraftcloud.Client
	token    kraftcloud.Token
	log      *progress
	red      *redact.Redactor
	t        Timeouts
	name     string
	memoryMB int64
	services []api.Service
	cmd      []string
	labels   map[string]string
	env      map[string]string // the instance's, all layers merged (see buildEnv)
	kfEnv    map[string]string // the Kraftfile's env
	userEnv  map[string]string // -e
	s2z      *api.ScaleToZero
	ds       datastore.Datastore
	runtime  string // full runtime reference
	ref      unikernel.Ref
	access   unikernel.Access
	caPEM    []byte
	version  string
	commit   string
	warnings []string
}

// nameRE is a DNS label: the name becomes the service group's name and
// public FQDN, the image's name and the instances' "<name>-<id>", whose
// "<name>-<id>.internal" must resolve too. The suffix takes 7 characters.
var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

const maxNameLen = 63 - 1 - idLen

// validate checks every input and resolves the plan. It sends nothing.
func validate(o Options) (*plan, error) {
	if o.Client == nil {
		return nil, errors.New("no API client: give --metro or --api, and a token")
	}
	tok := o.Client.Token()
	if !tok.Valid() {
		return nil, errors.New("invalid token: expected base64 of user:secret")
	}
	p := &plan{opts: o, client: o.Client, token: tok, t: o.Timeouts.withDefaults(), name: o.Name}
	p.red = newRedactor(tok, o.PresharedKeys...)
	p.log = &progress{w: o.Log, r: p.red}
	if p.log.w == nil {
		p.log.w = io.Discard
	}
	p.ds = o.Datastore
	if p.ds == nil {
		p.ds = datastore.Memory{}
	}
	p.red.Add(p.ds.Secrets()...)
	for _, step := range []func() error{p.checkName, p.checkMemory, p.checkPorts, p.checkKraftfile, p.checkAuth, p.checkEnv,
		p.checkRootfs, p.checkImage, p.checkTLS, p.scaleToZero} {
		if err := step(); err != nil {
			return nil, p.red.Err(err)
		}
	}
	return p, nil
}

func (p *plan) checkName() error {
	switch {
	case p.name == "":
		return errors.New("no name: give --name (it names the service group, the image and the instances)")
	case len(p.name) > maxNameLen || !nameRE.MatchString(p.name):
		return fmt.Errorf("name %q: use 1 to %d lowercase letters, digits and inner dashes (a DNS label: instances are named %s-<id>)", p.name, maxNameLen, p.name)
	}
	return nil
}

func (p *plan) checkMemory() (err error) {
	p.memoryMB, err = ParseMemory(p.opts.Memory)
	return err
}

func (p *plan) checkPorts() (err error) {
	p.services, err = ParsePorts(p.opts.Ports)
	return err
}

// checkKraftfile takes cmd, runtime, env and labels from the Kraftfile, if
// one is given, else the defaults.
func (p *plan) checkKraftfile() error {
	p.cmd, p.runtime = strings.Fields(DefaultCmd), DefaultRuntime
	if p.opts.Kraftfile == "" {
		return nil
	}
	k, err := kraftfile.Load(p.opts.Kraftfile)
	if err != nil {
		return err
	}
	if k.Rootfs != nil && k.Rootfs.Format == "erofs" {
		p.warnings = append(p.warnings, "the Kraftfile asks for an erofs rootfs; this deploy packages a cpio initrd (the format known to boot on base-compat)")
	}
	for _, key := range authKeys {
		if _, ok := k.Env[key]; ok {
			return fmt.Errorf("%s: env sets %s: set authentication with --preshared-key (or OPENFGA_PRESHARED_KEY), or turn it off explicitly with --no-auth", p.opts.Kraftfile, key)
		}
	}
	p.cmd, p.runtime, p.labels = k.Cmd, k.Runtime, k.Labels
	p.kfEnv = map[string]string(k.Env)
	return nil
}

func (p *plan) checkAuth() error {
	if p.opts.NoAuth {
		if len(p.opts.PresharedKeys) > 0 {
			return errors.New("both a preshared key and --no-auth: choose one")
		}
		p.warnings = append(p.warnings, "authentication is OFF: anyone who knows the URL can read and write authorization data")
		return nil
	}
	if len(p.opts.PresharedKeys) == 0 {
		return errors.New("no preshared key: OpenFGA will be on the public internet, so authentication is on by default; give --preshared-key (or OPENFGA_PRESHARED_KEY), or opt out with --no-auth")
	}
	for _, k := range p.opts.PresharedKeys {
		if len(k) < 16 || strings.ContainsAny(k, ", \t\n") {
			return errors.New("a preshared key must be at least 16 characters, without commas or blanks")
		}
	}
	return nil
}

// checkEnv reads -e and builds the instance env.
func (p *plan) checkEnv() (err error) {
	if p.userEnv, err = ParseEnv(p.opts.Env); err != nil {
		return err
	}
	return p.buildEnv()
}

// buildEnv layers the env (OpenFGA's settings, the datastore's, the
// Kraftfile's, -e) and checks it: OpenFGA must listen where the 443
// service sends traffic, and it all must fit the kernel command line.
// It runs again once a datastore is prepared, since its URI is new then.
func (p *plan) buildEnv() error {
	port := httpsService(p.services).DestinationPort
	p.env = mergeEnv(openfgaEnv(p.opts.PresharedKeys, p.opts.NoAuth, port), p.ds.Env(), p.kfEnv, p.userEnv)
	p.red.Add(p.ds.Secrets()...)
	p.red.Add(secretValues(p.env)...)
	if _, got, _ := net.SplitHostPort(p.env["OPENFGA_HTTP_ADDR"]); got != strconv.Itoa(port) {
		return fmt.Errorf("OPENFGA_HTTP_ADDR=%s does not listen on the 443 service's destination port %d: change the port with -p 443:PORT instead", p.env["OPENFGA_HTTP_ADDR"], port)
	}
	return checkCmdline(p.env, p.cmd)
}

// checkImage builds the image and runtime references and the registry
// access from the token.
func (p *plan) checkImage() error {
	reg, access := unikernel.AccessFor(cmpOr(p.opts.Registry, DefaultRegistry), p.token, nil)
	ref, err := unikernel.NewRef(reg, p.token.Namespace(), p.name, p.opts.Tag)
	if err != nil {
		return err
	}
	p.ref, p.access = ref, access
	p.runtime = unikernel.RuntimeRef(reg, cmpOr(p.opts.Runtime, p.runtime))
	return nil
}

func (p *plan) checkTLS() error {
	if c := p.opts.ConnectTo; c != "" {
		if _, port, err := net.SplitHostPort(c); err != nil || port == "" {
			return fmt.Errorf("connect-to %q: want HOST:PORT", c)
		}
	}
	if p.opts.CAFile == "" {
		return nil
	}
	pem, err := os.ReadFile(p.opts.CAFile)
	if err != nil {
		return fmt.Errorf("ca: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return fmt.Errorf("ca %s: no PEM certificate", p.opts.CAFile)
	}
	p.caPEM = pem
	p.access.CACertPEM = pem
	return nil
}

// scaleToZero applies --scale-to-zero or the Kraftfile labels; a datastore
// that keeps nothing across a stop must not be scaled to zero.
func (p *plan) scaleToZero() error {
	policy := cmpOr(p.opts.ScaleToZero, p.labels[kraftfile.LabelScaleToZeroPolicy])
	switch api.ScaleToZeroPolicy(policy) {
	case "", api.ScaleToZeroOff:
		p.s2z = &api.ScaleToZero{Policy: api.ScaleToZeroOff}
		return nil
	case api.ScaleToZeroOn, api.ScaleToZeroIdle:
	default:
		return fmt.Errorf("scale-to-zero %q: want on, off or idle", policy)
	}
	if !p.persistent() {
		p.warnings = append(p.warnings, fmt.Sprintf("scale-to-zero %q turned off: the %s datastore would lose its data at every scale-down", policy, p.engine()))
		p.s2z = &api.ScaleToZero{Policy: api.ScaleToZeroOff}
		return nil
	}
	z := &api.ScaleToZero{Policy: api.ScaleToZeroPolicy(policy), Stateful: p.labels[kraftfile.LabelScaleToZeroStateful] == "true"}
	_, _ = fmt.Sscan(p.labels[kraftfile.LabelScaleToZeroCooldown], &z.CooldownTimeMs)
	p.s2z = z
	return nil
}

// engine is the datastore the instance really gets: a user's -e may
// override the configured one.
func (p *plan) engine() string { return p.env["OPENFGA_DATASTORE_ENGINE"] }

func (p *plan) persistent() bool {
	return p.engine() != "memory" && (p.engine() != p.ds.Engine() || p.ds.Persistent())
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
