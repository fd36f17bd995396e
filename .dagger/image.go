package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
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
// GNU tar and gzip write the layer and the tarball in the build container;
// ci/ociimage gives the scripts and the JSON documents in between.
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
	when, _ := time.Parse(time.RFC3339, p.stamp.Date) // validated by plan
	layerCtr := dag.Container().From(p.image).
		WithMountedDirectory("/rootfs", root).
		WithDirectory("/out", dag.Directory()).
		WithExec([]string{"sh", "-c", ociimage.LayerScript("/rootfs", "/out", when)})
	sums, err := layerCtr.Stdout(ctx)
	if err != nil {
		return nil, fmt.Errorf("write the image layer: %w", err)
	}
	layer, err := ociimage.ParseLayer(sums)
	if err != nil {
		return nil, err
	}
	files, err := ociimage.Layout(layer, ociimage.Config{
		Entrypoint: kf.Cmd[:1],
		Cmd:        kf.Cmd[1:],
		Created:    when,
		Labels: map[string]string{
			"org.opencontainers.image.source":   m.Repo,
			"org.opencontainers.image.version":  m.Version,
			"org.opencontainers.image.revision": m.Commit,
		},
	}, "openfga:"+m.Version)
	if err != nil {
		return nil, err
	}
	layout := dag.Directory().WithFile("blobs/sha256/"+layer.Digest.Hex, layerCtr.File("/out/layer.tar.gz"))
	for _, name := range slices.Sorted(maps.Keys(files)) {
		layout = layout.WithNewFile(name, string(files[name]))
	}
	const out = "/out/openfga.oci.tar"
	return dag.Container().From(p.image).
		WithMountedDirectory("/layout", layout).
		WithDirectory("/out", dag.Directory()).
		WithExec([]string{"sh", "-c", ociimage.TarScript("/layout", out, when)}).
		File(out), nil
}

// Image returns the scratch image (the Tarball, imported): CA bundle,
// /usr/bin/openfga and the rootfs overlay, with entrypoint and arguments from
// the Kraftfile's cmd.
func (m *OpenfgaKraftcloud) Image(ctx context.Context) (*dagger.Container, error) {
	tar, err := m.Tarball(ctx)
	if err != nil {
		return nil, err
	}
	return dag.Container().Import(tar), nil
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
