package datastore

import (
	"context"
	"errors"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
)

// TestExternalEndToEnd: a real PostgreSQL outside the platform (the
// host's, reached from the instances at the bridge's gateway): migrate,
// run, write, redeploy (migrate again: a no-op), roll out, the tuple
// survives.
func TestExternalEndToEnd(t *testing.T) {
	uri, pw := hostPG(t)
	c, _ := client(t)
	ctx := context.Background()
	var log simtest.SyncBuffer
	defer func() { t.Log("progress:\n" + log.String()) }()
	ds := &External{URI: uri}
	if err := ds.Prepare(ctx, platform(c, "ext", &log)); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	first, _ := runOpenFGA(t, c, "ext-aaaaaa", ds.Env())
	if _, err := first.WriteMarker(ctx); err != nil {
		t.Fatal(err)
	}

	// the redeploy: migrations run again and find the schema current
	ds = &External{URI: uri}
	if err := ds.Prepare(ctx, platform(c, "ext", &log)); err != nil {
		t.Fatalf("second migration: %v\n%s", err, log.String())
	}
	second, firstInst := runOpenFGA(t, c, "ext-bbbbbb", ds.Env())
	_ = firstInst
	if _, err := second.CheckMarker(ctx); err != nil {
		t.Fatalf("after the redeploy: %v", err)
	}
	if left := leftovers(t, c, "ext-migrate"); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	if n := strings.Count(log.String(), "the schema is current"); n != 2 {
		t.Errorf("%d migrations, want 2:\n%s", n, log.String())
	}
	noSecret(t, pw, log.String())
}

// TestExternalWrongPassword: the migration is refused, diagnosed as such
// with the host it tried, and nothing is left behind.
func TestExternalWrongPassword(t *testing.T) {
	uri, pw := hostPG(t)
	bad := strings.Replace(uri, ":"+pw+"@", ":not-the-password-42@", 1)
	c, _ := client(t)
	var log simtest.SyncBuffer
	defer func() { t.Log("progress:\n" + log.String()) }()
	err := (&External{URI: bad}).Prepare(context.Background(), platform(c, "extpw", &log))
	var de *Error
	if !errors.As(err, &de) || de.Stage != "migrate" || de.Diagnosis == nil {
		t.Fatalf("got %v\n%s", err, log.String())
	}
	if de.Diagnosis.Kind != diagnose.KindDatastoreAuthFailed || !strings.Contains(de.Diagnosis.Cause, env(t).Endpoints().Gateway) {
		t.Errorf("diagnosis %s: %s", de.Diagnosis.Kind, de.Diagnosis.Cause)
	}
	if left := leftovers(t, c, "extpw"); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	noSecret(t, "not-the-password-42", err.Error(), log.String(), strings.Join(de.Logs, "\n"))
	noSecret(t, pw, err.Error(), log.String())
}
