package deploy

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// The same deploy against a platform of the 2024 spec (arrays where v1
// takes objects, "on-failure", no instance tags, the wait as PUT): a first
// deploy, a rollout that replaces it, status naming the serving release
// (its run ID read from the instances' env, for want of tags), and
// destroy leaving nothing.
func TestDeployOnTheLegacyAPI(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t, simtest.Dialect(spec.Legacy))
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "legacy"
	var log simtest.SyncBuffer
	o := simOptions(t, s, root, name, &log)
	o.Memory = "256"
	first, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log.String())
	}
	o.Force = true // the same inputs again: a rollout only when forced
	second, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("rollout: %v\n%s", err, log.String())
	}
	if len(second.Replaced) != 1 || second.Replaced[0] != first.Instance || second.RestartPolicy != "on-failure" {
		t.Errorf("rollout: replaced %v (want %s), restart %s", second.Replaced, first.Instance, second.RestartPolicy)
	}
	groupIs(t, s, name, []string{second.Instance})
	rep, err := Status(context.Background(), o.Client, Where{Name: name, Registry: s.Endpoints().Registry})
	if err != nil || !rep.Serving || rep.Release != second.Release || second.Release == "" {
		t.Errorf("status: %+v %v, want release %s", rep, err, second.Release)
	}
	if _, err := Destroy(context.Background(), o.Client, DestroyOptions{Name: name, Image: true, Registry: s.Endpoints().Registry}); err != nil {
		t.Fatal(err)
	}
	nothingLeft(t, o.Client, name)
}

// A deploy ends verified whatever shape the platform gives "not there
// yet" (the image look-up while the push propagates: an item with code 8,
// a top-level message, a 404) and "timed out" (the wait for running,
// longer than one wait while the instance boots: an item with code 12, a
// top-level message, a 408), in both dialects.
func TestDeployThroughAnswerShapes(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	root := simtest.Rootfs(t, bin, 0o755)
	for _, c := range []struct {
		name    string
		dialect spec.Dialect
		answers sim.Answers
	}{
		{"v1 message and item", spec.V1, sim.Answers{ImageNotFound: sim.AnswerMessage, WaitTimeout: sim.AnswerItem}},
		{"v1 item and message", spec.V1, sim.Answers{ImageNotFound: sim.AnswerItem, WaitTimeout: sim.AnswerMessage}},
		{"v1 404 and 408", spec.V1, sim.Answers{ImageNotFound: sim.AnswerHTTP404, WaitTimeout: sim.AnswerHTTP408}},
		{"legacy 404 and 408", spec.Legacy, sim.Answers{ImageNotFound: sim.AnswerHTTP404, WaitTimeout: sim.AnswerHTTP408}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := simtest.Start(t, simtest.Dialect(c.dialect), simtest.Answers(c.answers), simtest.ImagePropagation(1500*time.Millisecond), simtest.BootDelay(2500*time.Millisecond))
			var log simtest.SyncBuffer
			o := simOptions(t, s, root, "shapes", &log)
			o.Memory = "256"
			rec, err := Run(context.Background(), o)
			if err != nil {
				t.Fatalf("deploy: %v\n%s", err, log.String())
			}
			if rec.Timings.ImageLookup < 1000 || rec.Timings.Running < 2000 {
				t.Errorf("image visible after %d ms, running after %d ms: the look-up never saw it missing or the wait never timed out", rec.Timings.ImageLookup, rec.Timings.Running)
			}
		})
	}
}

// Your own domain: the service group answers on it as well as on the
// platform's FQDN; the verification goes through both (with --connect-to
// every name reaches the simulator's front), and the record lists it. A
// bad name is refused before any request.
func TestOwnDomain(t *testing.T) {
	c, sent := refuseAll(t)
	standinRoot := simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755)
	for _, bad := range []string{"not a domain", "localhost", "fga.example.com,x"} {
		if _, err := Run(context.Background(), Options{Client: c, Rootfs: standinRoot, Name: "x", PresharedKeys: []string{testKey}, Domains: []string{bad}}); err == nil || !strings.Contains(err.Error(), "want a DNS name") {
			t.Errorf("domain %q: %v", bad, err)
		}
	}
	if sent.Load() != 0 {
		t.Fatalf("%d requests sent", sent.Load())
	}

	s := simtest.Start(t)
	var log simtest.SyncBuffer
	o := simOptions(t, s, simtest.Rootfs(t, simtest.OpenFGABinary(t), 0o755), "branded", &log)
	o.Memory, o.Domains = "256", []string{"fga.example.com"}
	d, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !strings.HasPrefix(d.URL, "https://branded.") || len(d.Domains) != 1 || !d.Domains[0].Verified || d.Domains[0].URL != "https://fga.example.com" {
		t.Errorf("record: url %s, domains %+v", d.URL, d.Domains)
	}
	vc := &verify.Client{BaseURL: "https://fga.example.com", HTTP: simtest.FrontClient(t, s), Key: testKey}
	if err := vc.RoundTrip(context.Background()); err != nil {
		t.Errorf("through the own domain: %v", err)
	}
}

// Your own certificate for your own domain: refused when it does not
// cover the domain; uploaded once, served by the front for the domain,
// the verification trusting its CA; destroy removes it with the group.
func TestOwnCertificate(t *testing.T) {
	caPEM, chain, key := simtest.Certificate(t, "fga.example.org")
	c, sent := refuseAll(t)
	standinRoot := simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755)
	_, err := Run(context.Background(), Options{Client: c, Rootfs: standinRoot, Name: "x", PresharedKeys: []string{testKey},
		Domains: []string{"other.example.org"}, Certificate: &Certificate{Chain: chain, Key: key}})
	if err == nil || !strings.Contains(err.Error(), "not for the domain other.example.org") || strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("a certificate for another name: %v", err)
	}
	if sent.Load() != 0 {
		t.Fatalf("%d requests sent", sent.Load())
	}

	s := simtest.Start(t)
	trust := filepath.Join(t.TempDir(), "ca.pem") // the simulator's CA and the certificate's
	simCA, _ := os.ReadFile(s.Endpoints().CA)
	if err := os.WriteFile(trust, append(simCA, caPEM...), 0o644); err != nil {
		t.Fatal(err)
	}
	var log simtest.SyncBuffer
	o := simOptions(t, s, simtest.Rootfs(t, simtest.OpenFGABinary(t), 0o755), "certified", &log)
	o.Memory, o.CAFile, o.Domains, o.Certificate = "256", trust, []string{"fga.example.org"}, &Certificate{Chain: chain, Key: key}
	d, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(d.Domains) != 1 || !d.Domains[0].Verified {
		t.Errorf("domains: %+v", d.Domains)
	}
	conn, err := tls.Dial("tcp", s.Endpoints().TLS, &tls.Config{ServerName: "fga.example.org", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	served := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	if served.Subject.CommonName != "fga.example.org" || served.Issuer.CommonName != "test CA" {
		t.Errorf("the front serves %s from %s, not the uploaded certificate", served.Subject, served.Issuer)
	}
	out, err := Destroy(context.Background(), o.Client, DestroyOptions{Name: "certified"})
	if err != nil || len(out.Certificates) != 1 {
		t.Errorf("destroy: %+v %v", out, err)
	}
	simtest.NoSecrets(t, map[string]string{"log": log.String()}, key)
}
