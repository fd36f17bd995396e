package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/oidctest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// A preshared key rotates without downtime: deployed with the new key
// beside the old one, both open the store; deployed with the new one
// alone, the old one is refused.
func TestPresharedKeyRotation(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	root := simtest.Rootfs(t, bin, 0o755)
	front := simtest.FrontClient(t, s)
	const name, oldKey, newKey = "rotate", "old-key-0123456789abcdef", "new-key-0123456789abcdef"
	url := "https://" + name + "." + s.Endpoints().Domain
	deployWith := func(keys ...string) {
		t.Helper()
		var log simtest.SyncBuffer
		o := simOptions(t, s, root, name, &log)
		o.PresharedKeys = keys
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatalf("deploy with %d key(s): %v\n%s", len(keys), err, log.String())
		}
		simtest.NoSecrets(t, map[string]string{"log": log.String()}, oldKey, newKey)
	}
	answers := func(key string) error {
		return (&verify.Client{BaseURL: url, HTTP: front, Key: key}).RoundTrip(context.Background())
	}
	deployWith(oldKey)
	deployWith(newKey, oldKey)
	if err := answers(oldKey); err != nil {
		t.Errorf("the old key during the rotation: %v", err)
	}
	if err := answers(newKey); err != nil {
		t.Errorf("the new key during the rotation: %v", err)
	}
	deployWith(newKey)
	if err := answers(newKey); err != nil {
		t.Errorf("the new key after the rotation: %v", err)
	}
	if err := answers(oldKey); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("the old key after the rotation: %v, want 401", err)
	}
}

// OIDC instead of preshared keys: OpenFGA checks tokens of an issuer the
// test runs on the simulator's network; the verification gets its own
// token by client credentials; a token for another audience is refused;
// the client secret shows nowhere.
func TestOIDC(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	const secret = "verify-client-secret-42"
	iss, err := oidctest.Start(s.Endpoints().Gateway+":0", oidctest.WithClient("deployer", secret), oidctest.WithAudience("openfga"), oidctest.WithAlias("https://login.example.test/"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { iss.Close() })
	var log simtest.SyncBuffer
	o := simOptions(t, s, simtest.Rootfs(t, bin, 0o755), "withoidc", &log)
	o.PresharedKeys = nil
	o.OIDC = &OIDC{Issuer: iss.URL(), Audience: "openfga", IssuerAliases: []string{iss.Alias()}, ClientID: "deployer", ClientSecret: secret}
	d, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, log.String())
	}
	if d.Auth != "oidc" {
		t.Errorf("auth %q, want oidc", d.Auth)
	}
	front := simtest.FrontClient(t, s)
	for name, tc := range map[string]struct {
		token string
		ok    bool
	}{
		"issuer's token":       {iss.Token("app", "openfga"), true},
		"alias issuer's token": {iss.AliasToken("app", "openfga"), true},
		"another audience":     {iss.Token("app", "billing"), false},
		"expired":              {iss.ExpiredToken("app", "openfga"), false},
	} {
		err := (&verify.Client{BaseURL: d.URL, HTTP: front, Key: tc.token}).RoundTrip(context.Background())
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v (want ok=%v)", name, err, tc.ok)
		}
	}
	inst, err := o.Client.GetInstance(context.Background(), api.ByUUID(d.UUID))
	if err != nil || inst.Env["OPENFGA_AUTHN_METHOD"] != "oidc" || inst.Env["OPENFGA_AUTHN_OIDC_AUDIENCE"] != "openfga" || inst.Env["OPENFGA_AUTHN_PRESHARED_KEYS"] != "" {
		t.Errorf("instance env: %v %v", inst.Env, err)
	}
	simtest.NoSecrets(t, map[string]string{"log": log.String()}, secret)
}

// Tracing is OpenFGA's own trace settings; the OTLP headers are a secret.
func TestTracingEnv(t *testing.T) {
	client, _ := refuseAll(t)
	o := Options{Client: client, Rootfs: simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755), Name: "x", PresharedKeys: []string{testKey},
		Tracing: &Tracing{Endpoint: "https://otel.example.com:4317", Headers: "x-api-key=trace-secret-9876", SampleRatio: 0.5}}
	p, err := validate(o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"OPENFGA_TRACE_ENABLED": "true", "OPENFGA_TRACE_OTLP_ENDPOINT": "otel.example.com:4317",
		"OPENFGA_TRACE_OTLP_TLS_ENABLED": "true", "OPENFGA_TRACE_SAMPLE_RATIO": "0.5", "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=trace-secret-9876"}
	for k, v := range want {
		if p.env[k] != v {
			t.Errorf("%s = %q, want %q", k, p.env[k], v)
		}
	}
	if got := p.red.String("headers x-api-key=trace-secret-9876"); strings.Contains(got, "trace-secret-9876") {
		t.Errorf("the OTLP headers are not masked: %s", got)
	}
	for _, bad := range []Tracing{{Endpoint: "otel"}, {Endpoint: "ftp://otel:4317"}, {Endpoint: "otel:99999"}, {Endpoint: "otel:4317", SampleRatio: 2}, {Endpoint: "otel:4317", Headers: "novalue"}} {
		o.Tracing = &bad
		if _, err := validate(o); err == nil {
			t.Errorf("%+v accepted", bad)
		} else if strings.Contains(err.Error(), "novalue") {
			t.Errorf("the headers are quoted in %v", err)
		}
	}
}
