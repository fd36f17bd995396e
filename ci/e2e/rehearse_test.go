//go:build e2e

package e2e

import (
	"os"
	"strings"
	"testing"
	"time"
)

// `dagger call rehearse`: the whole pipeline against the simulator as a
// service in the engine, with no account and nothing on the host: memory,
// on the current API and on the 2024 one;
// PostgreSQL with two replicas and a store file; and the failure
// rehearsal, whose diagnoses are the platform's.
func TestRehearse(t *testing.T) {
	f := loadFixture(t)
	d := decodeDeployment(t, dagger(t, 30*time.Minute, f.moduleArgs("rehearse")...).must(t).stdout)
	if !d.Verified || d.Datastore != "memory" || !strings.HasPrefix(d.URL, "https://openfga.") {
		t.Errorf("rehearse: %+v", d)
	}
	r := dagger(t, 30*time.Minute, f.moduleArgs("rehearse", "--dialect=legacy")...).must(t)
	// the 2024 API has no instance tags: the client hears so and sends its other form
	if legacy := decodeDeployment(t, r.stdout); !legacy.Verified || legacy.Datastore != "memory" ||
		!strings.Contains(r.stderr, "tags: unknown field") {
		t.Errorf("rehearse against the 2024 API: %+v\n%s", legacy, tail(r.stderr, 30))
	}

	if os.Getenv("PG_DEBS") == "" {
		t.Fatal("PG_DEBS must be set: run the tests through .ci/test.sh (bash .ci/pg-rootfs.sh)")
	}
	pg := decodeDeployment(t, dagger(t, 30*time.Minute, f.moduleArgs("rehearse", "--datastore=postgres", "--postgres-debs="+os.Getenv("PG_DEBS"),
		"--replicas=2", docsStore, docsDir)...).must(t).stdout)
	if !pg.Verified || !pg.Persistent || len(pg.Instances) != 2 || pg.StoreID == "" || pg.Pool == nil {
		t.Errorf("rehearse on PostgreSQL: %+v", pg)
	}

	crash := dagger(t, 30*time.Minute, f.moduleArgs("rehearse", "--crash")...).must(t).stdout
	for _, want := range []string{"exit 243", "preflight exit code: 1", "cannot be resolved", "exit code 2", "deploy exit code: 1", "nothing left behind"} {
		if !strings.Contains(crash, want) {
			t.Errorf("the failure rehearsal does not say %q:\n%s", want, crash)
		}
	}
}

// `dagger call checks`: the module's own checks in one call, with a store
// file; and a wrong value of a fixed choice is refused by the engine,
// listing the right ones.
func TestChecksAndEnums(t *testing.T) {
	f := loadFixture(t)
	out := dagger(t, 30*time.Minute, f.moduleArgs("checks", docsStore, docsDir)...).must(t).stdout
	for _, want := range []string{"ok   binary", "ok   test-model: ", "2/2 tests passing", "ok   rehearse"} {
		if !strings.Contains(out, want) {
			t.Errorf("checks does not say %q:\n%s", want, out)
		}
	}
	for _, bad := range [][]string{{"deploy", "--token=env://SIM_TOKEN", "--datastore=mysql"}, {"deploy", "--token=env://SIM_TOKEN", "--restart=sometimes"}, {"rehearse", "--datastore=sqlite"}, {"rehearse", "--dialect=v2"}} {
		r := dagger(t, 5*time.Minute, bad...)
		if r.err == nil || !strings.Contains(r.stderr, "value should be one of") {
			t.Errorf("%v: %v\n%s", bad, r.err, tail(r.stderr, 10))
		}
	}
}
