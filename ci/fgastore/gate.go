package fgastore

import (
	"context"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/fgastore/local"
)

// Gate runs the file's tests against a throwaway OpenFGA started from
// binary on this machine, and stops it: the check that a store file holds
// before it is bootstrapped anywhere. settings are more of OpenFGA's
// environment settings, as the deployed server has them (its
// OPENFGA_EXPERIMENTALS, say).
func Gate(ctx context.Context, binary string, f *File, settings ...string) (Report, error) {
	srv, err := local.Start(ctx, binary, settings...)
	if err != nil {
		return Report{File: f.Path}, err
	}
	defer srv.Close()
	return RunTests(ctx, Endpoint{URL: srv.URL(), HTTP: srv.HTTPClient()}, f)
}
