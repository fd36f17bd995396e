package oidctest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freeAddr is a loopback address with a port free at the time of asking.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// openFGABinary is $OPENFGA_BIN; the test is skipped without it.
func openFGABinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OPENFGA_BIN")
	if bin == "" {
		t.Skip("OPENFGA_BIN is not set: build OpenFGA (go run . build -o /tmp/openfga) to test OIDC authentication against it")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("OPENFGA_BIN=%s: %v", bin, err)
	}
	return bin
}

// startOpenFGA runs bin on loopback with the memory datastore and
// OIDC authentication against iss (and its alias) for audience, waits
// until it serves, and returns its HTTP base URL. It is killed, with any
// process it started, when the test ends.
func startOpenFGA(t *testing.T, bin string, iss *Issuer, audience string) string {
	t.Helper()
	httpAddr := freeAddr(t)
	cmd := exec.Command(bin, "run")
	// OpenFGA reads every OPENFGA_ variable as configuration, so none of
	// the test's own environment may leak into it
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENFGA_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		"OPENFGA_HTTP_ADDR="+httpAddr,
		"OPENFGA_GRPC_ADDR="+freeAddr(t),
		"OPENFGA_DATASTORE_ENGINE=memory",
		"OPENFGA_PLAYGROUND_ENABLED=false",
		"OPENFGA_METRICS_ENABLED=false",
		"OPENFGA_AUTHN_METHOD=oidc",
		"OPENFGA_AUTHN_OIDC_ISSUER="+iss.URL(),
		"OPENFGA_AUTHN_OIDC_AUDIENCE="+audience,
		"OPENFGA_AUTHN_OIDC_ISSUER_ALIASES="+iss.Alias(),
	)
	logPath := filepath.Join(t.TempDir(), "openfga.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	// its own process group, so that the kill reaches anything it starts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		log.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("OpenFGA's output:\n%s", out)
		}
	})

	base := "http://" + httpAddr
	// OpenFGA fetches the discovery document and keys before it serves, so
	// a healthy OpenFGA has reached the issuer
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("OpenFGA exited before serving: %v", err)
		default:
		}
		var health struct{ Status string }
		if code, _ := get(t, base+"/healthz", "", &health); code == http.StatusOK && health.Status == "SERVING" {
			return base
		}
		if time.Now().After(deadline) {
			t.Fatal("OpenFGA did not serve within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// get GETs url with token as its bearer token (none when ""), decodes the
// JSON body into v and returns the status; a failed request is status 0.
func get(t *testing.T, url, token string, v any) (int, error) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := http.Client{Timeout: 5 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	return res.StatusCode, json.NewDecoder(res.Body).Decode(v)
}

// clientCredentials is an access token from iss's token endpoint, asked for
// as an OAuth2 client does.
func clientCredentials(t *testing.T, iss *Issuer, id, secret string) string {
	t.Helper()
	var doc struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	getJSON(t, iss.URL()+"/.well-known/openid-configuration", &doc)
	req, err := http.NewRequest("POST", doc.TokenEndpoint, strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK || body.AccessToken == "" {
		t.Fatalf("token endpoint: %s %v", res.Status, err)
	}
	return body.AccessToken
}

func TestOpenFGAWithOIDC(t *testing.T) {
	bin := openFGABinary(t)
	const audience = "openfga"
	iss := start(t, WithClient("fga-client", "s3cret"), WithAudience(audience), WithAlias("http://issuer-alias.test"))
	base := startOpenFGA(t, bin, iss, audience)

	for _, c := range []struct {
		name  string
		token string
		code  int
		// the error code OpenFGA answers a refusal with, which tells a
		// missing token from a refused one
		refusal string
	}{
		{"client credentials", clientCredentials(t, iss, "fga-client", "s3cret"), 200, ""},
		{"no token", "", 401, "bearer_token_missing"},
		{"another audience", iss.Token("fga-client", "not-openfga"), 401, "invalid_claims"},
		{"expired", iss.ExpiredToken("fga-client", ""), 401, "invalid_claims"},
		{"signed with another key", iss.ForeignToken("fga-client", ""), 401, "invalid_claims"},
		{"issuer alias", iss.AliasToken("fga-client", ""), 200, ""},
		// so that the alias passing is not OpenFGA ignoring "iss"
		{"another issuer", sign(iss.key, iss.kid, iss.claims("http://elsewhere.test", "fga-client", "", time.Now())), 401, "invalid_claims"},
		{"minted", iss.Token("any-subject", ""), 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body map[string]any
			code, err := get(t, base+"/stores", c.token, &body)
			if err != nil {
				t.Fatalf("GET /stores: %d %v", code, err)
			}
			if code != c.code {
				t.Fatalf("GET /stores: %d %v, want %d", code, body, c.code)
			}
			if c.refusal != "" && body["code"] != c.refusal {
				t.Errorf("refused with %v, want code %s", body, c.refusal)
			}
			if _, ok := body["stores"]; c.code == 200 && !ok {
				t.Errorf("200 without stores: %v", body)
			}
		})
	}
}
