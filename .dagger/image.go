package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"dagger/openfga-kraftcloud/internal/dagger"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftfile"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/ociimage"
)

const caBundle = "etc/ssl/certs/ca-certificates.crt"

// Rootfs returns the image's root filesystem: the CA bundle, /usr/bin/openfga
// and the rootfs/ overlay, every timestamp set to the commit date.
func (m *OpenfgaKraftcloud) Rootfs(ctx context.Context) (*dagger.Directory, error) {
	p, err := m.plan(ctx)
	if err != nil {
		return nil, err
	}
	return m.rootfs(ctx, p)
}

func (m *OpenfgaKraftcloud) rootfs(ctx context.Context, p *plan) (*dagger.Directory, error) {
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

// Tarball returns the image as an OCI image tarball that is bit-reproducible:
// one layer, files owned by root, every timestamp the commit date. (Dagger's
// own `image export` stamps snapshot times into the config, so it is not.)
//
// The file is written in this module's container and handed over from there;
// such a file cannot outlive the session that made it, hence the session
// cache and a file name of its own per call.
// +cache="session"
func (m *OpenfgaKraftcloud) Tarball(ctx context.Context) (*dagger.File, error) {
	p, err := m.plan(ctx)
	if err != nil {
		return nil, err
	}
	kf, err := m.kraftfile(ctx)
	if err != nil {
		return nil, err
	}
	root, err := m.rootfs(ctx, p)
	if err != nil {
		return nil, err
	}
	// Exported into this module's own container, where ci/ociimage can read it.
	dir, err := root.Export(ctx, "/tmp/rootfs")
	if err != nil {
		return nil, fmt.Errorf("export the rootfs: %w", err)
	}
	when, _ := time.Parse(time.RFC3339, p.stamp.Date) // validated by plan
	img, err := ociimage.Image(dir, ociimage.Config{
		Entrypoint: kf.Cmd[:1],
		Cmd:        kf.Cmd[1:],
		Created:    when,
		Labels: map[string]string{
			"org.opencontainers.image.source":   m.Repo,
			"org.opencontainers.image.version":  m.Version,
			"org.opencontainers.image.revision": m.Commit,
		},
	})
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("openfga-%d.oci.tar", time.Now().UnixNano())
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := ociimage.WriteTarball(f, img, "openfga:"+m.Version, when); err != nil {
		return nil, err
	}
	return dag.CurrentModule().WorkdirFile(name), f.Close()
}

// Image returns the scratch image (the Tarball, imported): CA bundle,
// /usr/bin/openfga and the rootfs overlay, with entrypoint and arguments from
// the Kraftfile's cmd.
// +cache="session"
func (m *OpenfgaKraftcloud) Image(ctx context.Context) (*dagger.Container, error) {
	tar, err := m.Tarball(ctx)
	if err != nil {
		return nil, err
	}
	return dag.Container().Import(tar), nil
}

// Serve runs the image locally with the memory datastore: HTTP on 8080, gRPC
// on 8081. `dagger call serve up --ports 8080:8080` gives a working OpenFGA.
// +cache="session"
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
