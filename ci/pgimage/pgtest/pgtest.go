// Package pgtest gives tests the PostgreSQL unikernel in a simulator's
// registry, built from Debian's packages the way users build it.
package pgtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// Image lays the PostgreSQL unikernel (ci/pgimage) out from Debian's
// packages (simtest.PGDebs: it skips without them) and pushes it to the
// simulator's registry as <namespace>/openfga-pg:<tag>, the name deploy's
// --postgres-image defaults to with tag 15. It returns the image as the
// API names it.
func Image(t testing.TB, s *sim.Sim, tag string) string {
	t.Helper()
	debs := simtest.PGDebs(t)
	ctx := context.Background()
	tmp := t.TempDir()
	entry, root := filepath.Join(tmp, "pg-entrypoint"), filepath.Join(tmp, "rootfs")
	if err := pgimage.BuildEntrypoint(ctx, entry); err != nil {
		t.Fatal(err)
	}
	if _, err := pgimage.Layout(ctx, pgimage.Options{Debs: debs, Out: root, Entrypoint: entry}); err != nil {
		t.Fatal(err)
	}
	tok, err := kraftcloud.ParseToken(s.Endpoints().Token)
	if err != nil {
		t.Fatal(err)
	}
	image, err := pgimage.PushTo(ctx, root, s.Endpoints().Registry, "openfga-pg", tag, pgimage.DefaultRuntime, tok)
	if err != nil {
		t.Fatal(err)
	}
	return image
}
