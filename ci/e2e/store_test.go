//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/deploy"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/release"
)

const (
	docsStore = "--store=ci/fgastore/testdata/docs/store.fga.yaml"
	docsDir   = "--store-dir=ci/fgastore/testdata/docs"
)

// `dagger call test-model`: the store file's tests against OpenFGA built
// by the module, as a pull-request check runs them.
func TestTestModel(t *testing.T) {
	f := loadFixture(t)
	ok := dagger(t, 20*time.Minute, f.moduleArgs("test-model", docsStore, docsDir)...).must(t)
	if !strings.Contains(ok.stdout, "2/2 tests passing") {
		t.Errorf("test-model of a passing file:\n%s", ok.stdout)
	}
	bad := dagger(t, 10*time.Minute, f.moduleArgs("test-model", "--store=ci/fgastore/testdata/failing/store.fga.yaml")...)
	if bad.err == nil || !strings.Contains(bad.stderr, "check user:carl owner document:specs: got true, want false") {
		t.Errorf("test-model of a failing file: %v\n%s", bad.err, tail(bad.stderr, 30))
	}
}

// The user's own store and the release history through the module: deploy
// --store bootstraps it and status names it; a second deploy is another
// release; releases lists both, the serving one marked; rollback --steps 1
// deploys the first one's image again.
func TestStoreReleasesRollback(t *testing.T) {
	f := loadFixture(t)
	p := startPlatform(t)
	const name = "fga-releases"
	first := decodeDeployment(t, dagger(t, 30*time.Minute, f.moduleArgs(p.deployArgs(name, docsStore, docsDir)...)...).must(t).stdout)
	if first.Result == nil || first.StoreID == "" || first.StoreName != "docs" || first.AuthorizationModelID == "" || first.Release == "" {
		t.Fatalf("deploy --store: %+v", first)
	}
	conn := []string{"--token=env://SIM_TOKEN", "--api=" + p.ep.API, "--name=" + name, "--registry=http://" + p.ep.Registry}
	var st deploy.StatusReport
	if err := json.Unmarshal([]byte(dagger(t, 10*time.Minute, append([]string{"status"}, conn...)...).must(t).stdout), &st); err != nil ||
		st.StoreID != first.StoreID || st.Release != first.Release {
		t.Errorf("status: %+v %v", st, err)
	}

	second := decodeDeployment(t, dagger(t, 30*time.Minute, f.moduleArgs(p.deployArgs(name, "--env=OPENFGA_LOG_LEVEL=warn")...)...).must(t).stdout)
	var list []release.Release
	if err := json.Unmarshal([]byte(dagger(t, 10*time.Minute, append([]string{"releases"}, conn...)...).must(t).stdout), &list); err != nil ||
		len(list) != 2 || list[0].ID != second.Release || !list[0].Serving || list[1].ID != first.Release || list[1].StoreID != first.StoreID {
		t.Fatalf("releases: %+v %v", list, err)
	}

	back := []string{"rollback", "--token=env://SIM_TOKEN", "--api=" + p.ep.API, "--name=" + name, "--registry=http://" + p.ep.Registry,
		"--ca=" + p.ep.CA, "--connect-to=" + p.ep.TLS, "--preshared-key=env://E2E_PRESHARED_KEY", "--memory=512Mi", "--steps=1"}
	rolled := decodeDeployment(t, dagger(t, 30*time.Minute, back...).must(t).stdout)
	if !rolled.Verified || rolled.Digest != first.Digest || len(rolled.Replaced) != 1 || rolled.Replaced[0] != second.Instance {
		t.Errorf("rollback --steps 1: %+v, want the image %s replacing %s", rolled, first.Digest, second.Instance)
	}
	dagger(t, 10*time.Minute, append([]string{"destroy"}, conn...)...).must(t)
}
