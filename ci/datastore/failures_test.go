package datastore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
)

// TestDatabaseNeverComesUp: a database that dies at start is diagnosed
// from its logs at once (no waiting out the timeout), and Undo removes
// the instance and the volume this run made.
func TestDatabaseNeverComesUp(t *testing.T) {
	image := pgImage(t)
	c, _ := client(t)
	ctx := context.Background()
	var log simtest.SyncBuffer
	defer func() { t.Log("progress:\n" + log.String()) }()
	ds := &Postgres{Image: image, VolumeMB: 256, MemoryMB: 384, ExtraFlags: []string{"-c", "shared_buffers=lots"}}
	pf := platform(c, "down", &log)
	err := ds.Prepare(ctx, pf)
	var de *Error
	if !errors.As(err, &de) || de.Stage != "database" || de.Diagnosis == nil || !de.Diagnosis.Failed {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(strings.Join(de.Logs, "\n"), `invalid value for parameter "shared_buffers"`) {
		t.Errorf("the database's own complaint is not shown:\n%s", strings.Join(de.Logs, "\n"))
	}
	if left := ds.Undo(ctx, pf); len(left) > 0 {
		t.Errorf("undo could not remove %v", left)
	}
	if left := leftovers(t, c, "down"); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	noSecret(t, ds.password, err.Error(), log.String())
}

// TestFailuresLeaveTheDeploymentAlone: on a working deployment, a wrong
// password and a failing migration are refused and diagnosed; the
// database, its volume and the running OpenFGA are untouched, and the
// data is still there.
func TestFailuresLeaveTheDeploymentAlone(t *testing.T) {
	image := pgImage(t)
	c, _ := client(t)
	ctx := context.Background()
	var log simtest.SyncBuffer
	defer func() { t.Log("progress:\n" + log.String()) }()
	ds := &Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}
	if err := ds.Prepare(ctx, platform(c, "keep", &log)); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	defer func() { _, _ = Destroy(context.Background(), c, DestroyOptions{Name: "keep", DeleteVolume: true}) }()
	running, _ := runOpenFGA(t, c, "keep-aaaaaa", ds.Env())
	if _, err := running.WriteMarker(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := c.GetInstance(ctx, api.ByName("keep-pg"))

	// a wrong password for the running database: refused before anything
	wrong := &Postgres{Image: image, Password: "not-the-password-42"}
	err := wrong.Prepare(ctx, platform(c, "keep", &log))
	if err == nil || !strings.Contains(err.Error(), "another password") || len(wrong.made) > 0 {
		t.Fatalf("wrong password: %v (made %v)", err, wrong.made)
	}
	noSecret(t, "not-the-password-42", err.Error(), log.String())

	// a migration that fails: here the image has no OpenFGA in it
	broken := &Postgres{Image: image}
	pf := platform(c, "keep", &log)
	pf.Image = image
	err = broken.Prepare(ctx, pf)
	var de *Error
	if !errors.As(err, &de) || de.Stage != "migrate" || de.Diagnosis == nil || de.Diagnosis.Kind != diagnose.KindExecFailed {
		t.Fatalf("failing migration: %v", err)
	}
	if left := broken.Undo(ctx, pf); len(left) > 0 || leftovers(t, c, "keep-migrate") != nil {
		t.Errorf("left behind: %v %v", left, leftovers(t, c, "keep-migrate"))
	}

	after, err := c.GetInstance(ctx, api.ByName("keep-pg"))
	if err != nil || after.UUID != before.UUID || after.State != api.StateRunning || after.StartCount != before.StartCount {
		t.Errorf("the database was touched: %+v → %+v (%v)", before.State, after.State, err)
	}
	if _, err := running.CheckMarker(ctx); err != nil {
		t.Errorf("the running OpenFGA lost its data: %v", err)
	}
	noSecret(t, ds.password, log.String(), err2s(err))
}

// TestUnreachableDatastoreIsNamed: a host that does not resolve and a
// database that does not exist are diagnosed, naming what was tried.
func TestUnreachableDatastoreIsNamed(t *testing.T) {
	uri, pw := hostPG(t)
	c, _ := client(t)
	cases := []struct {
		uri  string
		kind diagnose.Kind
		says string
	}{
		{"postgres://openfga:" + pw + "@nosuch-pg.internal:5432/openfga?sslmode=disable", diagnose.KindDatastoreDNS, "nosuch-pg.internal"},
		{strings.Replace(uri, "/openfga?", "/nodb?", 1), diagnose.KindDatastoreNoDatabase, `"nodb"`},
	}
	for _, tc := range cases {
		var log simtest.SyncBuffer
		err := (&External{URI: tc.uri}).Prepare(context.Background(), platform(c, "unreach", &log))
		var de *Error
		if !errors.As(err, &de) || de.Diagnosis == nil {
			t.Fatalf("%s: got %v", tc.says, err)
		}
		if de.Diagnosis.Kind != tc.kind || !strings.Contains(de.Diagnosis.Cause, tc.says) {
			t.Errorf("%s: diagnosis %s: %s", tc.says, de.Diagnosis.Kind, de.Diagnosis.Cause)
		}
		noSecret(t, pw, err.Error(), log.String())
	}
	if left := leftovers(t, c, "unreach"); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func err2s(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestDatabaseTooSlow: a database that is not ready within the bound is
// a failure too, and Undo removes what the run made.
func TestDatabaseTooSlow(t *testing.T) {
	image := pgImage(t)
	c, _ := client(t)
	ctx := context.Background()
	var log simtest.SyncBuffer
	pf := platform(c, "slow", &log)
	pf.Timeouts.Ready = 300 * time.Millisecond // a first boot runs initdb: seconds
	ds := &Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}
	err := ds.Prepare(ctx, pf)
	var de *Error
	if !errors.As(err, &de) || de.Stage != "database" || !strings.Contains(err.Error(), "did not accept connections within 300ms") {
		t.Fatalf("got %v\n%s", err, log.String())
	}
	if left := ds.Undo(ctx, pf); len(left) > 0 {
		t.Errorf("undo could not remove %v", left)
	}
	if left := leftovers(t, c, "slow"); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestFailedSafetyCopyStartsTheDatabaseAgain: the safety copy stops the
// running database (the platform clones only an unmounted volume); when
// the copy then fails, Undo starts the database again and the running
// OpenFGA has its data.
func TestFailedSafetyCopyStartsTheDatabaseAgain(t *testing.T) {
	image := pgImage(t)
	s := env(t)
	c, _ := client(t)
	ctx := context.Background()
	var log simtest.SyncBuffer
	defer func() { t.Log("progress:\n" + log.String()) }()
	ds := &Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}
	if err := ds.Prepare(ctx, platform(c, "copyfail", &log)); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	defer func() { _, _ = Destroy(context.Background(), c, DestroyOptions{Name: "copyfail", DeleteVolume: true}) }()
	running, _ := runOpenFGA(t, c, "copyfail-aaaaaa", ds.Env())
	if _, err := running.WriteMarker(ctx); err != nil {
		t.Fatal(err)
	}

	s.SetFaults(sim.Faults{Path: "/v1/volumes/clone", ServerErrors: 100})
	defer s.SetFaults(sim.Faults{})
	again := &Postgres{Image: image}
	pf := platform(c, "copyfail", &log)
	pf.CopyBeforeMigrate = true
	err := again.Prepare(ctx, pf)
	var de *Error
	if !errors.As(err, &de) || de.Stage != "copy" {
		t.Fatalf("a clone the API refuses: %v", err)
	}
	if db, _ := c.GetInstance(ctx, api.ByName("copyfail-pg")); db.State != api.StateStopped {
		t.Fatalf("the database is %s before the undo, want stopped for the copy", db.State)
	}
	s.SetFaults(sim.Faults{})
	if left := again.Undo(ctx, pf); len(left) > 0 {
		t.Errorf("undo: %v", left)
	}
	if !strings.Contains(log.String(), "start the database copyfail-pg again") {
		t.Errorf("the undo does not say it starts the database again")
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var last error
	for wctx.Err() == nil {
		if _, last = running.CheckMarker(wctx); last == nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if last != nil {
		t.Errorf("the running OpenFGA does not get its data back: %v", last)
	}
}
