package deploy

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// TestMain lets simtest remove the binaries the tests compiled.
func TestMain(m *testing.M) { os.Exit(simtest.Main(m)) }

// standin is a small stand-in for OpenFGA: it serves /healthz, and can
// allocate memory or exit on request (testdata/standin).
const standin = "./testdata/standin"

// testToken is a well-formed token for tests that never reach an API.
var testToken = base64.StdEncoding.EncodeToString([]byte("robot$acme.users.kraftcloud:s3cr3t-token-secret"))

// testKey is a preshared key; no output may ever show it.
const testKey = "k3y-0123456789abcdef-preshared"

// refuseAll is a client of an API that fails the test on any request.
func refuseAll(t *testing.T) (*kraftcloud.Client, *atomic.Int64) {
	t.Helper()
	url, n := simtest.RefuseAll(t)
	c, err := kraftcloud.New(url, testToken)
	if err != nil {
		t.Fatal(err)
	}
	return c, n
}

// simClient is an API client for the simulator that logs retries to log.
func simClient(t testing.TB, s *sim.Sim, log io.Writer) *kraftcloud.Client {
	t.Helper()
	c, err := kraftcloud.New(s.Endpoints().API, s.Endpoints().Token,
		kraftcloud.WithLogf(func(f string, a ...any) { _, _ = io.WriteString(log, strings.TrimSpace(fmt.Sprintf(f, a...))+"\n") }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// simOptions are deploy options against the simulator.
func simOptions(t testing.TB, s *sim.Sim, root, name string, log io.Writer) Options {
	ep := s.Endpoints()
	return Options{
		Client: simClient(t, s, log), Rootfs: root, Name: name, Registry: ep.Registry,
		CAFile: ep.CA, ConnectTo: ep.TLS, PresharedKeys: []string{testKey}, Log: log,
		Timeouts: Timeouts{Watch: 2 * time.Second, Verify: 40 * time.Second},
	}
}

// get fetches url and returns the status and body.
func get(c *http.Client, url string) (int, string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func decodeDeployment(t *testing.T, s string) Deployment {
	t.Helper()
	var d Deployment
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("stdout is not the Deployment JSON: %v\n%s", err, s)
	}
	return d
}
