package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// One deployment's life against the simulator with real OpenFGA: a
// first deploy (verified, the record right, answering by FQDN through the
// TLS front), a second deploy rolls out with no failed request, a third
// one that exits 2 at start fails with its diagnosis and leaves the second
// serving, then status, logs and destroy.
func TestDeployLifecycle(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	ep := s.Endpoints()
	root := simtest.Rootfs(t, bin, 0o755)
	front := simtest.FrontClient(t, s)
	all := map[string]string{} // every output, checked for secrets at the end
	const name = "openfga"
	url := "https://" + name + "." + ep.Domain
	ctx := context.Background()

	// 1. a first deploy with the repository's Kraftfile
	var log1 simtest.SyncBuffer
	o := simOptions(t, s, root, name, &log1)
	o.Kraftfile, o.Memory = "../../Kraftfile", "256"
	start := time.Now()
	first, err := Run(ctx, o)
	all["deploy 1 log"] = log1.String()
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log1.String())
	}
	t.Logf("first deploy: %s to verified (timings %+v)", time.Since(start).Round(time.Millisecond), first.Timings)
	checkRecord(t, first, name, ep.Registry)
	if code, body, err := get(front, url+"/healthz"); err != nil || code != 200 || !strings.Contains(body, `"SERVING"`) {
		t.Fatalf("GET %s/healthz = %d %q %v", url, code, body, err)
	}
	if code, _, _ := get(front, url+"/stores"); code != http.StatusUnauthorized {
		t.Fatalf("GET /stores without the key = %d, want 401: authentication must be on", code)
	}

	// 2. a rollout, with traffic all along
	var log2 simtest.SyncBuffer
	o = simOptions(t, s, root, name, &log2)
	o.Kraftfile, o.Env = "../../Kraftfile", []string{"OPENFGA_LOG_LEVEL=warn"} // another image config: a new instance
	pr := simtest.Probe(front, url)
	start = time.Now()
	second, err := Run(context.Background(), o)
	rolloutTime := time.Since(start)
	time.Sleep(300 * time.Millisecond)
	pr.Halt()
	all["deploy 2 log"] = log2.String()
	if err != nil {
		t.Fatalf("second deploy: %v\n%s", err, log2.String())
	}
	t.Logf("rollout: %s; %d health requests through the FQDN during it, %d failed (first failure: %v)",
		rolloutTime.Round(time.Millisecond), pr.OK()+pr.Failed(), pr.Failed(), pr.FirstFailure())
	if pr.Failed() > 0 || pr.OK() < 10 {
		t.Errorf("requests during the rollout: %d ok, %d failed", pr.OK(), pr.Failed())
	}
	if len(second.Replaced) != 1 || second.Replaced[0] != first.Instance {
		t.Errorf("replaced %v, want [%s]", second.Replaced, first.Instance)
	}
	l := log2.String()
	if v, r := strings.Index(l, "verified:"), strings.Index(l, "rollout: drain "+first.Instance); v < 0 || r < v {
		t.Errorf("the old instance must be drained only after the new one is verified:\n%s", l)
	}
	c := o.Client
	if _, err := c.GetInstance(context.Background(), api.ByUUID(first.UUID)); !errors.Is(err, kraftcloud.ErrNotFound) {
		t.Errorf("old instance after the rollout: %v, want not found", err)
	}

	// 3. a deployment that exits 2 at start: the second keeps serving
	var log3 simtest.SyncBuffer
	o = simOptions(t, s, root, name, &log3) // no Kraftfile: no labels, another digest under the same tag
	const dbPassword = "db-pa55word-never-shown"
	o.Env = []string{"OPENFGA_DATASTORE_ENGINE=postgres", "OPENFGA_DATASTORE_URI=postgres://openfga:" + dbPassword + "@postgres.nowhere.internal:5432/openfga"}
	o.Timeouts.Verify = 90 * time.Second // OpenFGA retries its datastore for about a minute
	pr = simtest.Probe(front, url)
	start = time.Now()
	_, err = Run(context.Background(), o)
	pr.Halt()
	all["deploy 3 log"], all["deploy 3 error"] = log3.String(), errString(err)
	var de *Error
	if !errors.As(err, &de) || de.Diagnosis == nil {
		t.Fatalf("broken deploy: %v\n%s", err, log3.String())
	}
	t.Logf("broken deploy failed in %s at %s: %s", time.Since(start).Round(time.Millisecond), de.Stage, de.Diagnosis.Cause)
	if de.Diagnosis.Kind != diagnose.KindDatastoreDNS || de.Diagnosis.ExitCode != 2 {
		t.Errorf("diagnosis %s (exit %d), want %s with exit 2", de.Diagnosis.Kind, de.Diagnosis.ExitCode, diagnose.KindDatastoreDNS)
	}
	if pr.Failed() > 0 {
		t.Errorf("the earlier deployment stopped answering during the failed one: %d of %d failed", pr.Failed(), pr.OK()+pr.Failed())
	}
	onlyInstance(t, c, name, second.Instance)
	vc := &verify.Client{BaseURL: url, HTTP: front, Key: testKey}
	if err := vc.RoundTrip(context.Background()); err != nil {
		t.Errorf("the earlier deployment after the failed one: %v", err)
	}
	// its image was taken back, and the tag it moved put back
	user, secret := c.Token().RegistryAuth()
	acc := unikernel.Access{Username: user, Password: secret, PlainHTTP: true}
	repo := ep.Registry + "/" + c.Token().Namespace() + "/" + name
	if h, err := unikernel.Resolve(context.Background(), repo+":latest", acc); err != nil || h.String() != second.Digest {
		t.Errorf("tag latest after the failed run: %v %v, want %s", h, err, second.Digest)
	}
	if !strings.Contains(log3.String(), "cleanup: remove image") {
		t.Errorf("the failed run's image was not removed:\n%s", log3.String())
	}

	// 4. status and logs
	rep, err := Status(ctx, c, Where{Name: name, Registry: s.Endpoints().Registry})
	if err != nil || !rep.Serving || len(rep.Instances) != 1 || rep.Instances[0].Name != second.Instance || rep.Release != second.Release || len(rep.Notes) > 0 {
		t.Errorf("status: %+v %v", rep, err)
	}
	statusJSON, _ := json.Marshal(rep)
	all["status"] = string(statusJSON)
	var logs bytes.Buffer
	if err := Logs(ctx, c, name, "", 0, false, &logs); err != nil || !strings.Contains(logs.String(), `"build.version":"v1.11.0"`) {
		t.Errorf("logs: %v\n%.500s", err, logs.String())
	}

	// 5. destroy, image included: nothing is left
	var logd simtest.SyncBuffer
	gone, err := Destroy(ctx, c, DestroyOptions{Name: name, Image: true, Registry: ep.Registry, Log: &logd})
	if err != nil || len(gone.Instances) != 1 || gone.ServiceGroup != name || len(gone.Images) == 0 {
		t.Fatalf("destroy: %+v %v\n%s", gone, err, logd.String())
	}
	all["destroy"] = logd.String()
	nothingLeft(t, c, name)
	if _, err := unikernel.Resolve(ctx, second.Image, acc); !errors.Is(err, unikernel.ErrNoManifest) {
		t.Errorf("image after destroy --image: %v", err)
	}
	simtest.NoSecrets(t, all, ep.Token, secret, testKey, dbPassword)
}

func checkRecord(t *testing.T, d Deployment, name, registry string) {
	t.Helper()
	switch {
	case !d.Verified, d.URL != "https://"+name+".fra.unikraft.test", !strings.HasPrefix(d.Instance, name+"-"),
		!kraftcloud.IsUUID(d.UUID), d.ServiceGroup != name, d.Metro != "fra",
		!strings.HasPrefix(d.Digest, "sha256:"), d.Image != registry+"/sim/"+name+"@"+d.Digest,
		d.OpenFGAVersion != "v1.11.0", len(d.Commit) != 40,
		d.Datastore != "memory", d.Persistent, d.Auth != "preshared", len(d.Warnings) == 0,
		d.Timings.Push <= 0, d.Timings.Running <= 0, d.Timings.RoundTrip <= 0, d.Timings.Total <= 0:
		t.Errorf("record not right: %+v", d)
	}
}

// onlyInstance checks the group holds exactly the named instance.
func onlyInstance(t *testing.T, c *kraftcloud.Client, group, inst string) {
	t.Helper()
	g, err := c.GetServiceGroup(context.Background(), api.ByName(group))
	if err != nil || len(g.Instances) != 1 || g.Instances[0].Name != inst {
		t.Errorf("group %s: %+v, %v; want only %s", group, g.Instances, err, inst)
	}
	all, _ := c.ListInstances(context.Background())
	if len(all) != 1 {
		t.Errorf("%d instances exist, want 1", len(all))
	}
}

// nothingLeft checks no instance and no group of the deployment remain.
func nothingLeft(t *testing.T, c *kraftcloud.Client, group string) {
	t.Helper()
	if g, err := c.GetServiceGroup(context.Background(), api.ByName(group)); !errors.Is(err, kraftcloud.ErrNotFound) {
		t.Errorf("service group %s left: %+v %v", group, g, err)
	}
	if all, err := c.ListInstances(context.Background()); err != nil || len(all) != 0 {
		t.Errorf("instances left: %d %v", len(all), err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
