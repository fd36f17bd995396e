package deploy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/fgastore"
)

// storeFile is the user's own store: the store file's tests gate the
// deploy before anything is pushed, and once the new deployment serves,
// its store, model and tuples are bootstrapped there.
type storeFile struct {
	file     *fgastore.File
	id       string   // --store-id: which of several stores of that name
	settings []string // OpenFGA settings of the deployment the tests must run with
}

// loadStore reads and checks the store file before anything remote: a
// deployed store is found by its name, and a file without tests would gate
// nothing.
func loadStore(path, id string, env map[string]string) (*storeFile, error) {
	if path == "" {
		if id != "" {
			return nil, errors.New("store-id without a store file: give --store too")
		}
		return nil, nil
	}
	f, err := fgastore.Load(path)
	if err != nil {
		return nil, fmt.Errorf("store file %s:\n%w", path, err)
	}
	switch {
	case f.Name == "":
		return nil, fmt.Errorf("%s: name: the store file has no name; add one: the deployed store is found by it", path)
	case !f.HasTests():
		return nil, fmt.Errorf("%s: tests: the store file has no tests; add some: they are what gates the deploy (see `test-model`)", path)
	}
	return &storeFile{file: f, id: id, settings: gateSettings(env)}, nil
}

// gateSettings are the deployment's OpenFGA settings that change what a
// check or a list answers (experimental features, limits), for the local
// server of the gate; never a key, a datastore or an address.
func gateSettings(env map[string]string) []string {
	var out []string
	for k, v := range env {
		if k == "OPENFGA_EXPERIMENTALS" || strings.HasPrefix(k, "OPENFGA_MAX_") ||
			strings.HasPrefix(k, "OPENFGA_LIST_OBJECTS_") || strings.HasPrefix(k, "OPENFGA_LIST_USERS_") ||
			strings.HasPrefix(k, "OPENFGA_RESOLVE_NODE_") {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// GateError is a deploy refused by the store file's tests: every failing
// assertion is in Report.
type GateError struct{ Report fgastore.Report }

func (e *GateError) Error() string {
	return "the store file's tests fail, so nothing was deployed:\n" + strings.TrimRight(e.Report.Text(), "\n")
}

// gate runs the store file's tests against the OpenFGA binary being
// deployed, on this machine (memory datastore, loopback only).
func (r *run) gate(ctx context.Context) error {
	if r.store == nil {
		return nil
	}
	bin, err := r.img.binary()
	if err != nil {
		return err
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return fmt.Errorf("the store file's tests run the OpenFGA being deployed (a linux/amd64 binary) on this machine, which is %s/%s: deploy with `dagger call deploy`, or from a linux/amd64 runner", runtime.GOOS, runtime.GOARCH)
	}
	r.log.Printf("gate: the tests of %s against %s on this machine", r.store.file.Path, filepath.Base(bin))
	rep, err := fgastore.Gate(ctx, bin, r.store.file, r.store.settings...)
	if err != nil {
		return fmt.Errorf("the store file's tests: %w", err)
	}
	r.rec.Gate = strings.TrimRight(lastLine(rep.Text()), "\n")
	if rep.Failed() {
		return &GateError{Report: rep}
	}
	r.log.Printf("gate: %s", r.rec.Gate)
	return nil
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// bootstrap makes the store file's store, model and tuples exist on the
// new deployment. It runs once the earlier instances are retired, so with
// the memory datastore it reaches the new instance, the only one left.
func (r *run) bootstrap(ctx context.Context) error {
	if r.store == nil {
		return nil
	}
	key, err := r.check.credential(ctx)
	if err != nil {
		return err
	}
	c := r.check.fqdnClient(r.fqdn, key, 0, &misroutes{})
	r.log.Printf("store: bootstrap %q from %s", r.store.file.Name, r.store.file.Path)
	res, err := fgastore.Bootstrap(ctx, fgastore.Endpoint{URL: c.BaseURL, Key: key, HTTP: c.HTTP}, r.store.file, r.store.id)
	if err != nil {
		return err
	}
	r.rec.Result = &res
	if r.same && (res.StoreCreated || res.ModelWritten || res.TuplesWritten > 0) {
		r.rec.Changed = ChangeStore
	}
	r.log.Printf("store: %s (%s), model %s%s, %d tuple(s) written, %d already there",
		res.StoreID, created(res.StoreCreated, "created", "reused"), res.AuthorizationModelID,
		created(res.ModelWritten, " written", " unchanged"), res.TuplesWritten, res.TuplesPresent)
	return nil
}

func created(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}
