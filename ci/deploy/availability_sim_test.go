package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// More than one replica with the memory datastore is refused before any
// request, saying why.
func TestReplicasNeedAPersistentDatastore(t *testing.T) {
	client, sent := refuseAll(t)
	o := Options{Client: client, Rootfs: simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755), Name: "x",
		PresharedKeys: []string{testKey}, Replicas: 3}
	_, err := Run(context.Background(), o)
	var de *Error
	if !errors.As(err, &de) || de.Stage != StageValidate || !strings.Contains(err.Error(), "each instance would hold its own data") {
		t.Fatalf("Run = %v", err)
	}
	for _, bad := range []int{-1, MaxReplicas + 1} {
		o.Replicas = bad
		if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "want 1 to") {
			t.Errorf("replicas %d: %v", bad, err)
		}
	}
	o.Replicas, o.Restart = 1, "sometimes"
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "want on-failure, always or never") {
		t.Errorf("restart sometimes: %v", err)
	}
	if sent.Load() != 0 {
		t.Fatalf("%d requests sent", sent.Load())
	}
}

// An app that starts and exits 2 a moment later, under the default
// restart policy (on-failure: the platform brings it back at once): the
// restart fails the deploy, the diagnosis names the first exit, and
// nothing is left.
func TestCrashLoopFailsTheDeploy(t *testing.T) {
	s := simtest.Start(t)
	var log simtest.SyncBuffer
	o := simOptions(t, s, simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755), "loop", &log)
	o.Env = []string{"STANDIN_EXIT_MS=500"}
	_, err := Run(context.Background(), o)
	var de *Error
	if !errors.As(err, &de) || de.Diagnosis == nil || (de.Stage != StageWatch && de.Stage != StageVerify) {
		t.Fatalf("Run = %v\n%s", err, log.String())
	}
	d := de.Diagnosis
	t.Logf("failed at %s: %s", de.Stage, d.Cause)
	if !d.Failed || d.ExitCode != 2 || !strings.Contains(err.Error(), "restart") || !strings.Contains(d.Cause, "exit code 2") {
		t.Errorf("diagnosis: %+v\nerror: %v", d, err)
	}
	if !strings.Contains(strings.Join(d.Evidence, "\n")+strings.Join(d.Tail, "\n"), "standin: giving up") {
		t.Errorf("the first exit's log lines are not quoted: %+v", d)
	}
	nothingLeft(t, o.Client, "loop")
}

// Two deploys of one name at once, while a first deployment serves: the
// service keeps answering, and when both are done exactly one instance
// runs, the later deploy's; each either verified or said that the other
// won.
func TestRacingDeploysConverge(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "race"
	var log0 simtest.SyncBuffer
	if _, err := Run(context.Background(), simOptions(t, s, root, name, &log0)); err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log0.String())
	}
	front := simtest.FrontClient(t, s)
	pr := simtest.Probe(front, "https://"+name+"."+s.Endpoints().Domain)
	var wg sync.WaitGroup
	recs, errs, logs := make([]Deployment, 2), make([]error, 2), make([]simtest.SyncBuffer, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := simOptions(t, s, root, name, &logs[i])
			o.Env = []string{"RACER=" + string(rune('a'+i))} // two different configurations
			recs[i], errs[i] = Run(context.Background(), o)
		}()
		time.Sleep(200 * time.Millisecond) // the second starts later, so it is the one that wins
	}
	wg.Wait()
	time.Sleep(300 * time.Millisecond)
	pr.Halt()
	for i, err := range errs {
		t.Logf("deploy %d: %v (replaced %v)", i, err, recs[i].Replaced)
		if err != nil && !strings.Contains(err.Error(), "it wins") {
			t.Errorf("deploy %d failed for another reason than losing the race: %v\n%s", i, err, logs[i].String())
		}
	}
	if errs[1] != nil {
		t.Errorf("the deploy that started later must win: %v", errs[1])
	}
	onlyInstance(t, simClient(t, s, &simtest.SyncBuffer{}), name, recs[1].Instance)
	if pr.Failed() > 0 || pr.OK() < 10 {
		t.Errorf("during the race: %d answered, %d failed (first: %s)", pr.OK(), pr.Failed(), pr.FirstFailure())
	}
}

// A deploy cancelled as a CI job is (SIGINT, then SIGTERM) at the worst
// moment, its instance created and not yet verified: the command stops
// within seconds, nothing it made is left, and the earlier deployment
// serves on.
func TestCancelledDeployLeavesNothing(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	ep := s.Endpoints()
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "cancel"
	var log0 simtest.SyncBuffer
	first, err := Run(context.Background(), simOptions(t, s, root, name, &log0))
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log0.String())
	}
	cliBin := filepath.Join(t.TempDir(), "openfga-kraftcloud")
	if out, err := exec.Command("go", "build", "-o", cliBin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build the CLI: %v\n%s", err, out)
	}
	for _, sigs := range [][]syscall.Signal{{syscall.SIGINT, syscall.SIGTERM}, {syscall.SIGTERM}} {
		cmd := exec.Command(cliBin, "deploy", "--rootfs", root, "--name", name, "--api", ep.API, "--registry", ep.Registry,
			"--ca", ep.CA, "--connect-to", ep.TLS, "--watch", "20s", "-e", "ANOTHER=config")
		cmd.Env = append(os.Environ(), "UKC_TOKEN="+ep.Token, "OPENFGA_PRESHARED_KEY="+testKey)
		var stderr simtest.SyncBuffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, &stderr, "watching for", 60*time.Second)
		start := time.Now()
		for i, sig := range sigs {
			if i > 0 {
				time.Sleep(time.Second)
			}
			_ = cmd.Process.Signal(sig)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			took := time.Since(start)
			t.Logf("%v: exit %v after %s", sigs, err, took.Round(100*time.Millisecond))
			if took > 12*time.Second {
				t.Errorf("%v: the command took %s to stop", sigs, took)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("%v: the command did not stop\n%s", sigs, stderr.String())
		}
		if strings.Contains(stderr.String(), "could not remove") {
			t.Errorf("%v: left something:\n%s", sigs, stderr.String())
		}
		onlyInstance(t, simClient(t, s, &simtest.SyncBuffer{}), name, first.Instance)
	}
	if code, _, err := get(simtest.FrontClient(t, s), first.URL+"/healthz"); err != nil || code != 200 {
		t.Errorf("the earlier deployment after the cancelled ones: %d %v", code, err)
	}
}

// waitFor waits until the log says want.
func waitFor(t *testing.T, log *simtest.SyncBuffer, want string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !strings.Contains(log.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said %q:\n%s", want, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A crash an hour after a good deploy (here: a moment after): the app of
// the verified instance is killed; its restart policy brings it back, the
// FQDN serves again, and status says it restarted and how it last ended.
func TestCrashAfterAVerifiedDeployComesBack(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t, simtest.RestartBackoff(time.Second, 4*time.Second, 5*time.Second))
	var log simtest.SyncBuffer
	o := simOptions(t, s, simtest.Rootfs(t, bin, 0o755), "phoenix", &log)
	o.Memory = "256"
	d, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, log.String())
	}
	if err := s.Kill(d.Instance); err != nil {
		t.Fatal(err)
	}
	vc := &verify.Client{BaseURL: d.URL, HTTP: simtest.FrontClient(t, s), Key: testKey}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	time.Sleep(200 * time.Millisecond) // the kill has landed
	if err := vc.WaitHealthy(ctx, 300*time.Millisecond); err != nil {
		t.Fatalf("the instance did not come back: %v", err)
	}
	if err := vc.RoundTrip(ctx); err != nil {
		t.Errorf("after the restart: %v", err)
	}
	rep, err := Status(context.Background(), o.Client, Where{Name: "phoenix", Registry: s.Endpoints().Registry})
	if err != nil || !rep.Serving || len(rep.Instances) != 1 {
		t.Fatalf("status: %+v %v", rep, err)
	}
	st := rep.Instances[0]
	if st.Name != d.Instance || st.Restarts < 1 || st.LastExit == nil || !strings.Contains(st.LastExit.StopReason, "K") {
		t.Errorf("status of the restarted instance: %+v (last exit %+v)", st, st.LastExit)
	}
	if st.Diagnosis == nil || !strings.Contains(st.Diagnosis.Cause+strings.Join(st.Diagnosis.Notes, " "), "restart") {
		t.Errorf("status does not say it restarted: %+v", st.Diagnosis)
	}
}

// A deploy that changes nothing racing one that rolls out, in both
// orders: the service keeps answering and exactly one instance remains.
// Started first, the no-op verifies the running instance and keeps it
// while the other rolls out; started during a rollout, it sees instances
// of two deploys and rolls out itself, and, being the later, wins.
func TestNoOpRacingARolloutConverges(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "noprace"
	var log0 simtest.SyncBuffer
	if _, err := Run(context.Background(), simOptions(t, s, root, name, &log0)); err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log0.String())
	}
	front := simtest.FrontClient(t, s)
	for round, noopFirst := range []bool{true, false} {
		pr := simtest.Probe(front, "https://"+name+"."+s.Endpoints().Domain)
		var wg sync.WaitGroup
		recs, errs, logs := make([]Deployment, 2), make([]error, 2), make([]simtest.SyncBuffer, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := simOptions(t, s, root, name, &logs[i])
				if rollout := (i == 0) != noopFirst; rollout {
					o.Env = []string{fmt.Sprintf("ROUND=%d", round)}
				} else if round == 1 {
					o.Env = []string{"ROUND=0"} // what round 0's rollout left running
				}
				recs[i], errs[i] = Run(context.Background(), o)
			}()
			time.Sleep(500 * time.Millisecond)
		}
		wg.Wait()
		time.Sleep(300 * time.Millisecond)
		pr.Halt()
		for i, err := range errs {
			t.Logf("round %d, deploy %d: changed %v, %v", round, i, recs[i].Changed, err)
			if err != nil && !strings.Contains(err.Error(), "it wins") {
				t.Errorf("round %d, deploy %d failed for another reason than losing the race: %v\n%s", round, i, err, logs[i].String())
			}
		}
		g, err := simClient(t, s, &simtest.SyncBuffer{}).GetServiceGroup(context.Background(), api.ByName(name))
		if err != nil || len(g.Instances) != 1 {
			t.Errorf("round %d: the group holds %+v (%v), want one instance", round, g.Instances, err)
		}
		if pr.Failed() > 0 {
			t.Errorf("round %d: %d answered, %d failed (first: %s)", round, pr.OK(), pr.Failed(), pr.FirstFailure())
		}
	}
}
