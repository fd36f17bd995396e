package unikernel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cpio"
)

// build → push → open → unpack, over plain HTTP and over TLS with a CA.
func TestBuildPushOpenRoundTrip(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
			ctx := context.Background()
			host, acc := startRegistry(t, useTLS)
			rt, err := PullRuntime(ctx, seedRuntime(t, host, acc), acc)
			must(t, err)
			kernel, err := rt.Kernel()
			must(t, err)
			if string(kernel) != placeholderKernel {
				t.Fatalf("runtime kernel %q", kernel)
			}
			img := buildImage(t, rt, makeRootfs(t), testSpec(t, host))
			got, err := Push(ctx, img, acc)
			must(t, err)
			if got != img.Digest {
				t.Fatalf("Push returned %s, built %s", got, img.Digest)
			}
			for _, ref := range []string{img.Ref.String(), img.Ref.WithDigest(got)} {
				checkOpened(t, ref, acc, img)
			}
		})
	}
}

func checkOpened(t *testing.T, ref string, acc Access, img *Image) {
	t.Helper()
	u, err := Open(context.Background(), ref, acc)
	must(t, err)
	if u.IndexDigest != img.Digest {
		t.Errorf("%s: index %s, want %s", ref, u.IndexDigest, img.Digest)
	}
	spec := testSpec(t, img.Ref.Registry)
	if !slices.Equal(u.Cmd(), spec.Cmd) || !slices.Equal(u.Env(), spec.Env) {
		t.Errorf("cmd %q env %q", u.Cmd(), u.Env())
	}
	if u.Labels()["cloud.unikraft.v1.instances/scale_to_zero.policy"] != "idle" {
		t.Errorf("labels %v", u.Labels())
	}
	if k, err := u.Kernel(); err != nil || string(k) != placeholderKernel {
		t.Errorf("kernel %q, %v", k, err)
	}
	dst := t.TempDir()
	must(t, u.UnpackRootfs(dst))
	data, err := os.ReadFile(filepath.Join(dst, "usr/bin/openfga"))
	must(t, err)
	if string(data) != "placeholder openfga binary\n" {
		t.Errorf("unpacked openfga: %q", data)
	}
	if target, err := os.Readlink(filepath.Join(dst, "usr/bin/fga")); err != nil || target != "/usr/bin/openfga" {
		t.Errorf("symlink: %q %v", target, err)
	}
}

func buildImage(t *testing.T, rt *Runtime, rootfs string, spec Spec) *Image {
	t.Helper()
	initrd, err := InitrdFromDir(rootfs, cpio.Options{})
	must(t, err)
	img, err := Build(rt, initrd, spec)
	must(t, err)
	return img
}

// Two builds of equal trees (other paths, inodes and mtimes) give the same
// digest; re-pushing is accepted and changes nothing; Created matters.
func TestDigestIsStableAndRepushIsIdempotent(t *testing.T) {
	ctx := context.Background()
	host, acc := startRegistry(t, false)
	rt, err := PullRuntime(ctx, seedRuntime(t, host, acc), acc)
	must(t, err)
	spec := testSpec(t, host)
	first := buildImage(t, rt, makeRootfs(t), spec)
	time.Sleep(1100 * time.Millisecond) // so a leaked wall clock would show
	other := makeRootfs(t)
	second := buildImage(t, rt, other, spec)
	if first.Digest != second.Digest {
		t.Fatalf("same rootfs, two digests: %s %s", first.Digest, second.Digest)
	}
	for range 2 {
		d, err := Push(ctx, second, acc)
		must(t, err)
		if d != first.Digest {
			t.Fatalf("push returned %s, want %s", d, first.Digest)
		}
	}
	spec.Created = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if buildImage(t, rt, other, spec).Digest == first.Digest {
		t.Fatal("Created does not reach the digest")
	}
}

// Every field the platform or kraftkit reads, asserted one by one.
func TestDocumentsFieldByField(t *testing.T) {
	host, acc := startRegistry(t, false)
	rt, err := PullRuntime(context.Background(), seedRuntime(t, host, acc), acc)
	must(t, err)
	spec := testSpec(t, host)
	spec.Created = time.Date(2024, 10, 21, 12, 0, 0, 0, time.UTC)
	img := buildImage(t, rt, makeRootfs(t), spec)

	var index ocispec.Index
	var manifest ocispec.Manifest
	var config ocispec.Image
	must(t, json.Unmarshal(img.IndexJSON, &index))
	must(t, json.Unmarshal(img.ManifestJSON, &manifest))
	must(t, json.Unmarshal(img.ConfigJSON, &config))

	repo := host + "/acme/openfga"
	wantPlatform := &ocispec.Platform{
		Architecture: "x86_64", OS: "kraftcloud", OSVersion: "0.17.0~abcdef0",
		OSFeatures: []string{"CONFIG_LIBPOSIX_PROCESS=y", "CONFIG_LIBUKCPIO=y", "CONFIG_UK_APP=y",
			`CONFIG_UK_FULLVERSION="0.17.0~abcdef0"`, "CONFIG_UK_FULLVERSION=0.17.0~abcdef0"},
	}
	wantManifestAnn := map[string]string{
		"io.containerd.image.name":          repo + ":v1",
		"org.opencontainers.image.created":  "2024-10-21T12:00:00Z",
		"org.opencontainers.image.ref.name": repo,
		"org.unikraft.image.name":           repo,
		"org.unikraft.kernel.version":       "0.17.0~abcdef0",
		"sh.kraftkit.version":               "0.9.2",
	}
	eq(t, "index.schemaVersion", index.SchemaVersion, 2)
	eq(t, "index.mediaType", index.MediaType, ocispec.MediaTypeImageIndex)
	eq(t, "index.manifests", len(index.Manifests), 1)
	eq(t, "index.annotations", index.Annotations, map[string]string{
		"io.containerd.image.name": repo + ":v1", "org.opencontainers.image.ref.name": repo, "sh.kraftkit.version": "0.9.2",
	})
	md := index.Manifests[0]
	eq(t, "index.manifests[0].mediaType", md.MediaType, ocispec.MediaTypeImageManifest)
	eq(t, "index.manifests[0].digest", md.Digest.String(), sha(img.ManifestJSON).String())
	eq(t, "index.manifests[0].size", md.Size, int64(len(img.ManifestJSON)))
	eq(t, "index.manifests[0].platform", md.Platform, wantPlatform)
	eq(t, "index.manifests[0].annotations", md.Annotations, wantManifestAnn)

	eq(t, "manifest.mediaType", manifest.MediaType, ocispec.MediaTypeImageManifest)
	eq(t, "manifest.annotations", manifest.Annotations, wantManifestAnn)
	eq(t, "manifest.config.mediaType", manifest.Config.MediaType, ocispec.MediaTypeImageConfig)
	eq(t, "manifest.config.digest", manifest.Config.Digest.String(), sha(img.ConfigJSON).String())
	eq(t, "manifest.config.platform", manifest.Config.Platform, wantPlatform)
	eq(t, "manifest.layers", len(manifest.Layers), 2)
	eq(t, "manifest.layers[0] (runtime kernel, verbatim)", manifest.Layers[0], rt.Layers[0].Descriptor)
	eq(t, "manifest.layers[1].mediaType", manifest.Layers[1].MediaType, "application/vnd.oci.image.layer.v1.tar")
	eq(t, "manifest.layers[1].annotations", manifest.Layers[1].Annotations, map[string]string{AnnotationInitrd: InitrdPath})

	eq(t, "config.os", config.OS, "kraftcloud")
	eq(t, "config.architecture", config.Architecture, "x86_64")
	eq(t, "config.os.version", config.OSVersion, "0.17.0~abcdef0")
	// Inherited features, each again from the rebuilt kconfig (without
	// CONFIG_UK_APP, and with the version unquoted), sorted, as kraftkit's
	// oci/pack.go appends them.
	eq(t, "config.os.features", config.OSFeatures, []string{
		"CONFIG_LIBPOSIX_PROCESS=y", "CONFIG_LIBPOSIX_PROCESS=y", "CONFIG_LIBUKCPIO=y", "CONFIG_LIBUKCPIO=y",
		"CONFIG_UK_APP=y", `CONFIG_UK_FULLVERSION="0.17.0~abcdef0"`, "CONFIG_UK_FULLVERSION=0.17.0~abcdef0",
	})
	eq(t, "config.config.Cmd", config.Config.Cmd, spec.Cmd)
	eq(t, "config.config.Env", config.Config.Env, spec.Env)
	eq(t, "config.config.Labels", config.Config.Labels, map[string]string{
		"org.unikraft.runtime":                             "base-compat", // inherited
		"cloud.unikraft.v1.instances/scale_to_zero.policy": "idle",
	})
	eq(t, "config.rootfs.type", config.RootFS.Type, "layers")
	eq(t, "config.rootfs.diff_ids", config.RootFS.DiffIDs, []digest.Digest{manifest.Layers[0].Digest, manifest.Layers[1].Digest})
	// created and history are the runtime's, inherited as kraftkit does;
	// nothing here comes from the clock.
	eq(t, "config.created", config.Created, rt.Config.Created)
	eq(t, "config.history", config.History, rt.Config.History)
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

func TestRegistryRequiresCredentials(t *testing.T) {
	host, acc := startRegistry(t, false)
	ref := seedRuntime(t, host, acc)
	resp, err := http.Get("http://" + host + "/v2/")
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous /v2/: %d, want 401", resp.StatusCode)
	}
	if _, err := PullRuntime(context.Background(), ref, Access{}); err == nil {
		t.Fatal("anonymous pull succeeded")
	}
	wrong := Access{Username: testUser, Password: "wrong-" + testPassword}
	_, err = PullRuntime(context.Background(), ref, wrong)
	if err == nil {
		t.Fatal("pull with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), wrong.Password) {
		t.Fatalf("error shows the password: %v", err)
	}
}

func TestTLSRegistryNeedsTheCA(t *testing.T) {
	host, acc := startRegistry(t, true)
	ref := seedRuntime(t, host, acc)
	noCA := acc
	noCA.CACertPEM = nil
	if _, err := PullRuntime(context.Background(), ref, noCA); err == nil {
		t.Fatal("pulled from a TLS registry without trusting its CA")
	}
}

func TestReferencesMustNameTheirRegistry(t *testing.T) {
	host, acc := startRegistry(t, false)
	seedRuntime(t, host, acc)
	// Kraftfile style, no tag: expanded and defaulted to :latest.
	if _, err := PullRuntime(context.Background(), RuntimeRef(host, "base-compat"), acc); err != nil {
		t.Fatalf("untagged runtime: %v", err)
	}
	for _, ref := range []string{"official/base-compat:latest", "base-compat"} {
		if _, err := PullRuntime(context.Background(), ref, acc); err == nil || !strings.Contains(err.Error(), "registry host") {
			t.Errorf("%s: %v", ref, err)
		}
	}
}
