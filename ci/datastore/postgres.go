package datastore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage"
)

// Defaults of the database on the platform.
const (
	DefaultVolumeMB = 1024
	DefaultMemoryMB = 512
	MinMemoryMB     = 256 // the rootfs in RAM, shared_buffers and a few backends
	DefaultUser     = "openfga"
	DefaultDatabase = "openfga"
)

// Postgres is PostgreSQL run on the platform, next to OpenFGA.
type Postgres struct {
	// Image is the PostgreSQL unikernel (ci/pgimage) as the API names it,
	// e.g. "<user>/openfga-pg@sha256:..." or "<user>/openfga-pg:15".
	Image    string
	VolumeMB int64 // size of a new volume; default DefaultVolumeMB (an existing one is kept as it is)
	MemoryMB int64 // default DefaultMemoryMB
	// Password of the database user: a secret. Empty means the running
	// database's on a redeploy, else a new random one.
	Password string
	// Public also publishes the database on <group>.<metro>:5432, TLS
	// terminated by the platform (off: the private network suffices).
	Public bool
	// ExtraFlags are more postgres flags ("-c", "name=value"), last.
	ExtraFlags []string

	uri      string           // set by Prepare
	password string           // the password in use, set by Prepare
	copied   string           // the safety copy Prepare took, if any
	stopped  string           // the UUID of the running database Prepare stopped for the copy, until it runs again
	made     []made           // what Prepare created, newest last
	red      *redact.Redactor // holds the password once known
}

// made is an object Prepare created (so Undo removes it).
type made struct {
	kind string // "instance" or "volume"
	name string
}

// InstanceName and VolumeName name the database's objects after the deployment.
func InstanceName(deployment string) string { return deployment + "-pg" }
func VolumeName(deployment string) string   { return deployment + "-pgdata" }

func (p *Postgres) Engine() string   { return Engine }
func (p *Postgres) Persistent() bool { return true }

// Env is OpenFGA's datastore env; the URI is known once Prepare ran.
func (p *Postgres) Env() map[string]string {
	if p.uri == "" {
		return map[string]string{"OPENFGA_DATASTORE_ENGINE": Engine}
	}
	return openfgaEnv(p.uri)
}

// Secrets are the password and the URI, in every form output could show.
func (p *Postgres) Secrets() []string {
	var out []string
	for _, s := range []string{p.Password, p.password} {
		if s != "" {
			out = append(out, s)
		}
	}
	if p.uri != "" {
		out = append(out, uriSecrets(p.uri)...)
	}
	return out
}

// Prepare makes the database ready and migrated (see the package comment).
func (p *Postgres) Prepare(ctx context.Context, pf Platform) error {
	if err := pf.check(); err != nil {
		return err
	}
	if err := p.Check(); err != nil {
		return &Error{Stage: "database", Err: err}
	}
	p.red = &redact.Redactor{}
	p.red.Add(p.Password)
	vol, existed, err := p.ensureVolume(ctx, &pf)
	if err != nil {
		return err
	}
	// A running database that cannot be reused is refused before the safety
	// copy stops it: the deployment it serves keeps it.
	if err := p.checkReusable(ctx, &pf); err != nil {
		return err
	}
	if existed && pf.CopyBeforeMigrate {
		if p.copied, err = p.safetyCopy(ctx, &pf, vol); err != nil {
			return &Error{Stage: "copy", Err: err}
		}
	}
	inst, err := p.ensureInstance(ctx, &pf, vol)
	if err != nil {
		return err
	}
	p.stopped = "" // running again
	host, err := privateHost(inst)
	if err != nil {
		return &Error{Stage: "database", Err: err}
	}
	uri := postgresURI(DefaultUser, p.password, host, pgimage.Port, DefaultDatabase)
	p.red.Add(uriSecrets(uri)...)
	pf.Logf("datastore: OpenFGA reaches the database at %s:%d over the private network", host, pgimage.Port)
	if p.copied != "" {
		// From here the copy is the data as it was before the migration:
		// kept whatever happens next, and named in the record.
		p.made = slices.DeleteFunc(p.made, func(m made) bool { return m.name == p.copied })
	}
	if err := migrate(ctx, &pf, openfgaEnv(uri), p.red); err != nil {
		return err
	}
	p.uri = uri
	return nil
}

// SafetyCopy is the volume Prepare copied the data to before the
// migration ("" when it did not need to).
func (p *Postgres) SafetyCopy() string { return p.copied }

// Check validates the settings, sending nothing: call it before anything
// is pushed. It fills in the defaults.
func (p *Postgres) Check() error {
	p.applyDefaults()
	switch {
	case p.Image == "":
		return errors.New("no PostgreSQL image: build one with ci/pgimage (see its package comment) and pass it")
	case p.MemoryMB < MinMemoryMB:
		return fmt.Errorf("memory %d MiB is too small for the database: its rootfs (about 90 MiB) is unpacked into RAM; give at least %d MiB", p.MemoryMB, MinMemoryMB)
	case strings.ContainsAny(p.Password, "\n\r\x00"):
		return errors.New("the PostgreSQL password must be one line")
	}
	return nil
}

func (p *Postgres) applyDefaults() {
	if p.VolumeMB <= 0 {
		p.VolumeMB = DefaultVolumeMB
	}
	if p.MemoryMB <= 0 {
		p.MemoryMB = DefaultMemoryMB
	}
}

// Undo deletes what Prepare created, newest first: the database instance
// before its volume, and starts the earlier database again if Prepare
// stopped it. It returns what it could not remove.
func (p *Postgres) Undo(ctx context.Context, pf Platform) []string {
	if err := pf.check(); err != nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	var left []string
	for i := len(p.made) - 1; i >= 0; i-- {
		m := p.made[i]
		pf.Logf("datastore: cleanup: delete %s %s (created by this run)", m.kind, m.name)
		var err error
		if m.kind == "instance" {
			_, err = pf.Client.DeleteInstance(ctx, api.ByName(m.name))
		} else {
			err = deleteVolume(ctx, &pf, m.name)
		}
		if err != nil && !isNotFound(err) {
			left = append(left, fmt.Sprintf("%s %s (%v)", m.kind, m.name, err))
		}
	}
	p.made = nil
	if p.stopped != "" {
		// The earlier deployment's database, stopped for the copy: it
		// serves again.
		pf.Logf("datastore: cleanup: start the database %s again", InstanceName(pf.Name))
		if _, err := pf.Client.StartInstance(ctx, api.ByUUID(p.stopped)); err != nil {
			left = append(left, fmt.Sprintf("the database %s is stopped (%v): start it with the API or redeploy", InstanceName(pf.Name), err))
		}
		p.stopped = ""
	}
	return left
}

// String and GoString never show the password.
func (p *Postgres) String() string {
	return fmt.Sprintf("PostgreSQL on the platform (image %s, volume %d MiB, %d MiB)", p.Image, p.VolumeMB, p.MemoryMB)
}
func (p *Postgres) GoString() string { return p.String() }
