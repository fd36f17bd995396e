//go:build e2e

package e2e

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cli"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// `dagger call deploy --datastore=postgres`: a volume, a PostgreSQL instance
// (Debian's PostgreSQL, ci/pgimage), a one-shot migration, OpenFGA reaching
// the database at <name>-pg.internal; a redeploy keeps the data; destroy
// keeps the database unless told.
func TestDeployPostgres(t *testing.T) {
	f := loadFixture(t)
	if os.Getenv("PG_DEBS") == "" {
		t.Fatal("PG_DEBS must be set: run the tests through .ci/test.sh (bash .ci/pg-rootfs.sh)")
	}
	p := startPlatform(t)
	// The default --postgres-image, <namespace>/openfga-pg:15, pushed as a user would.
	var stderr strings.Builder
	if code := cli.PGImage.Run([]string{"--push", "--registry=http://" + p.ep.Registry, "--token=" + p.ep.Token}, io.Discard, &stderr); code != 0 {
		t.Fatalf("go run . pgimage --push: exit %d\n%s", code, stderr.String())
	}
	os.Setenv("E2E_PG_PASSWORD", "e2e-pg-password-0123456789")
	const name = "fga-pg"
	args := func() []string {
		return f.moduleArgs(p.deployArgs(name, "--datastore=postgres", "--volume-size=256",
			"--postgres-password=env://E2E_PG_PASSWORD")...)
	}

	first := decodeDeployment(t, dagger(t, 30*time.Minute, args()...).must(t).stdout)
	if !first.Verified || first.Datastore != "postgres" || !first.Persistent {
		t.Fatalf("first deploy: %+v", first)
	}
	second := decodeDeployment(t, dagger(t, 30*time.Minute, append(args(), "--force")...).must(t).stdout)
	if !strings.Contains(second.Persistence, "still allowed") {
		t.Fatalf("the redeploy did not find the earlier tuple: %q", second.Persistence)
	}
	t.Logf("redeploy: %s; timings %+v", second.Persistence, second.Timings)

	conn := []string{"--token=env://SIM_TOKEN", "--api=" + p.ep.API, "--name=" + name}
	out := dagger(t, 10*time.Minute, append([]string{"destroy"}, conn...)...).must(t)
	if !has(p.instances(t), datastore.InstanceName(name)) || !p.hasVolume(t, datastore.VolumeName(name)) {
		t.Fatalf("destroy removed the database or its volume without being asked:\n%s", out.stdout)
	}
	dagger(t, 10*time.Minute, append([]string{"destroy", "--delete-data"}, conn...)...).must(t)
	if has(p.instances(t), datastore.InstanceName(name)) || p.hasVolume(t, datastore.VolumeName(name)) {
		t.Fatal("destroy --delete-data left the database or its volume")
	}
	for _, out := range transcripts() {
		if strings.Contains(out, "e2e-pg-password-0123456789") {
			t.Fatalf("the database password appears in the output of dagger call:\n%s", out)
		}
	}
}

func has(insts []api.Instance, name string) bool {
	for _, i := range insts {
		if i.Name == name {
			return true
		}
	}
	return false
}

func (p *platform) hasVolume(t *testing.T, name string) bool {
	t.Helper()
	_, err := p.api.GetVolume(context.Background(), api.Ref{Name: name})
	return err == nil
}
