package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"dagger/openfga-kraftcloud/internal/dagger"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/fgastore"
)

// TestModel runs a store file's tests (.fga.yaml, as the OpenFGA CLI reads
// it) against OpenFGA built by this module, the way deploy --store gates
// on them: a fresh store per test, the memory datastore, no account and no
// platform. It fails when an assertion does, naming each one; otherwise
// it returns the report.
func (m *OpenfgaKraftcloud) TestModel(
	ctx context.Context,
	// The store file
	store *dagger.File,
	// The directory its model_file and tuple files are relative to (not
	// needed when the model and tuples are inline)
	// +optional
	storeDir *dagger.Directory,
) (string, error) {
	path, err := storeInputs(ctx, store, storeDir, "/tmp/test-model/store")
	if err != nil {
		return "", err
	}
	f, err := fgastore.Load(path)
	if err == nil && !f.HasTests() {
		err = fmt.Errorf("%s: tests: the store file has no tests; add some", filepath.Base(path))
	}
	if err != nil {
		return "", err
	}
	bin, err := m.Binary(ctx)
	if err != nil {
		return "", err
	}
	binPath, err := bin.Export(ctx, "/tmp/test-model/openfga")
	if err != nil {
		return "", fmt.Errorf("export the binary: %w", err)
	}
	if err := os.Chmod(binPath, 0o755); err != nil {
		return "", err
	}
	rep, err := fgastore.Gate(ctx, binPath, f)
	if err != nil {
		return "", err
	}
	if rep.Failed() {
		return "", fmt.Errorf("the store file's tests fail:\n%s", rep.Text())
	}
	return rep.Text(), nil
}

// storeInputs puts the store file (and the directory its paths are
// relative to) under dir, where ci/fgastore reads them; "" without a file.
func storeInputs(ctx context.Context, store *dagger.File, storeDir *dagger.Directory, dir string) (string, error) {
	if store == nil {
		return "", nil
	}
	if storeDir != nil {
		if _, err := storeDir.Export(ctx, dir); err != nil {
			return "", fmt.Errorf("export the store directory: %w", err)
		}
	}
	name, err := store.Name(ctx)
	if err != nil {
		return "", err
	}
	return store.Export(ctx, filepath.Join(dir, name))
}
