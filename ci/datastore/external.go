package datastore

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"
)

// External is a PostgreSQL the caller runs elsewhere (Neon, Supabase, RDS,
// a server of their own). URI is a secret: it never appears in output.
type External struct {
	URI string

	red *redact.Redactor
}

func (e *External) Engine() string   { return Engine }
func (e *External) Persistent() bool { return true }

func (e *External) Env() map[string]string { return openfgaEnv(e.URI) }

func (e *External) Secrets() []string { return uriSecrets(e.URI) }

// Check validates the URI without quoting it: call it before anything
// is pushed.
func (e *External) Check() error {
	if err := checkURI(e.URI); err != nil {
		return err
	}
	u, _ := url.Parse(e.URI)
	if _, ok := u.User.Password(); !ok && u.Query().Get("password") == "" {
		return errors.New("the PostgreSQL URI has no password")
	}
	return nil
}

// Prepare migrates the schema with a one-shot instance; OpenFGA then runs
// against the same URI.
func (e *External) Prepare(ctx context.Context, pf Platform) error {
	if err := pf.check(); err != nil {
		return err
	}
	e.red = &redact.Redactor{}
	e.red.Add(uriSecrets(e.URI)...)
	if err := e.Check(); err != nil {
		return &Error{Stage: "migrate", Err: err}
	}
	pf.Logf("datastore: external PostgreSQL at %s", uriHost(e.URI))
	if pf.CopyBeforeMigrate {
		pf.Logf("datastore: warning: the migration may change the schema of the external database, and no copy of it can be made from here: back it up first (its provider's snapshot) if you may want to go back")
	}
	if err := migrate(ctx, &pf, openfgaEnv(e.URI), e.red); err != nil {
		return err
	}
	return nil
}

// Undo has nothing to remove: Prepare creates nothing that outlives it.
func (e *External) Undo(context.Context, Platform) []string { return nil }

// String never shows the URI.
func (e *External) String() string   { return fmt.Sprintf("external PostgreSQL at %s", uriHost(e.URI)) }
func (e *External) GoString() string { return e.String() }
