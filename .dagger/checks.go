package main

import (
	"context"
	"fmt"
	"strings"

	"dagger/openfga-kraftcloud/internal/dagger"
)

// Checks runs the module's own checks in one call, as CI runs them: the
// binary is built and passes preflight; with --reproducible it is built
// again with empty Go caches and must be the same bytes; with --store the
// store file's tests pass (test-model); and the whole pipeline is
// rehearsed against the simulator. It returns one line per check and fails
// on the first that does not pass.
// +check
// +cache="never"
func (m *OpenfgaKraftcloud) Checks(
	ctx context.Context,
	// Also build the binary again with empty Go caches and compare (minutes)
	// +optional
	reproducible bool,
	// A store file whose tests must pass
	// +optional
	store *dagger.File,
	// The directory the store file's paths are relative to
	// +optional
	storeDir *dagger.Directory,
) (string, error) {
	var report []string
	pass := func(format string, a ...any) { report = append(report, "ok   "+fmt.Sprintf(format, a...)) }
	fail := func(what string, err error) (string, error) {
		return strings.Join(append(report, "FAIL "+what), "\n"), fmt.Errorf("check %s: %w", what, err)
	}
	bin, err := m.Binary(ctx)
	if err != nil {
		return fail("binary", err)
	}
	sum, err := bin.Digest(ctx)
	if err != nil {
		return fail("binary", err)
	}
	pass("binary: built and preflighted (%s)", sum)
	if reproducible {
		again, err := m.coldBinary(ctx)
		if err != nil {
			return fail("reproducible", err)
		}
		if again != sum {
			return fail("reproducible", fmt.Errorf("a build with empty caches gave %s, not %s", again, sum))
		}
		pass("reproducible: a build with empty Go caches gave the same bytes")
	}
	if store != nil {
		out, err := m.TestModel(ctx, store, storeDir)
		if err != nil {
			return fail("test-model", err)
		}
		pass("test-model: %s", lastLine(out))
	}
	if _, err := m.Rehearse(ctx, DatastoreMemory, nil, 0, nil, nil, false, DialectV1); err != nil {
		return fail("rehearse", err)
	}
	pass("rehearse: deployed, verified and removed on the simulator")
	return strings.Join(report, "\n"), nil
}

// coldBinary builds the binary with cache volumes of its own, empty, and
// returns its digest.
func (m *OpenfgaKraftcloud) coldBinary(ctx context.Context) (string, error) {
	cold := *m
	salt := randomHex(8)
	cold.ModCache = dag.CacheVolume("openfga-kraftcloud-gomod-cold-" + salt)
	cold.BuildCache = dag.CacheVolume("openfga-kraftcloud-gobuild-cold-" + salt)
	bin, err := cold.Binary(ctx)
	if err != nil {
		return "", err
	}
	return bin.Digest(ctx)
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}
