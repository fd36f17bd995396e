package main

import (
	"context"
	"fmt"
	"time"

	"dagger/openfga-kraftcloud/internal/dagger"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftfile"
)

const caBundle = "etc/ssl/certs/ca-certificates.crt"

// Rootfs returns the image's root filesystem: the CA bundle, /usr/bin/openfga
// and the rootfs/ overlay, every timestamp set to the commit date.
func (m *OpenfgaKraftcloud) Rootfs(ctx context.Context) (*dagger.Directory, error) {
	p, err := m.plan(ctx)
	if err != nil {
		return nil, err
	}
	bin, err := m.binary(ctx, p)
	if err != nil {
		return nil, err
	}
	when, _ := time.Parse(time.RFC3339, p.stamp.Date) // validated by plan
	return dag.Directory().
		WithFile(caBundle, dag.Container().From(p.image).File("/"+caBundle), dagger.DirectoryWithFileOpts{Permissions: 0o644}).
		WithFile("usr/bin/openfga", bin, dagger.DirectoryWithFileOpts{Permissions: 0o755}).
		WithDirectory("/", m.Overlay).
		WithTimestamps(int(when.Unix())), nil
}

// Image returns the scratch image: the Rootfs, with entrypoint and arguments
// from the Kraftfile's cmd.
func (m *OpenfgaKraftcloud) Image(ctx context.Context) (*dagger.Container, error) {
	kf, err := m.kraftfile(ctx)
	if err != nil {
		return nil, err
	}
	root, err := m.Rootfs(ctx)
	if err != nil {
		return nil, err
	}
	return dag.Container().
		WithRootfs(root).
		WithEntrypoint(kf.Cmd[:1]).
		WithDefaultArgs(kf.Cmd[1:]).
		WithLabel("org.opencontainers.image.source", m.Repo).
		WithLabel("org.opencontainers.image.version", m.Version).
		WithLabel("org.opencontainers.image.revision", m.Commit), nil
}

// Serve runs the image locally with the memory datastore: HTTP on 8080, gRPC
// on 8081. `dagger call serve up --ports 8080:8080` gives a working OpenFGA.
func (m *OpenfgaKraftcloud) Serve(ctx context.Context) (*dagger.Service, error) {
	img, err := m.Image(ctx)
	if err != nil {
		return nil, err
	}
	return img.
		WithEnvVariable("OPENFGA_DATASTORE_ENGINE", "memory").
		WithEnvVariable("OPENFGA_HTTP_ADDR", "0.0.0.0:8080").
		WithEnvVariable("OPENFGA_GRPC_ADDR", "0.0.0.0:8081").
		WithEnvVariable("OPENFGA_PLAYGROUND_ENABLED", "false").
		WithEnvVariable("OPENFGA_LOG_FORMAT", "json").
		WithExposedPort(8080).
		WithExposedPort(8081).
		AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true}), nil
}

func (m *OpenfgaKraftcloud) kraftfile(ctx context.Context) (*kraftfile.Kraftfile, error) {
	b, err := m.Kraftfile.Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the Kraftfile: %w", err)
	}
	return kraftfile.Parse([]byte(b))
}
