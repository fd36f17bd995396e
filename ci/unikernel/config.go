package unikernel

import (
	"maps"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// imageConfig derives the image config from the runtime's, as kraftkit's
// oci/pack.go does: everything inherited, then platform, os.version,
// os.features, Env (replaced), Cmd (replaced when given), Labels (merged)
// and rootfs.diff_ids (the layer digests, in layer order).
func imageConfig(base ocispec.Image, spec *Spec, layers []ocispec.Descriptor) ocispec.Image {
	c := base
	c.OS, c.Architecture = PlatformOS, PlatformArch
	c.OSVersion = kernelVersion(base)
	c.OSFeatures = withKConfig(base.OSFeatures)
	c.Config.Env = nilIfEmpty(slices.Clone(spec.Env))
	if len(spec.Cmd) > 0 {
		c.Config.Cmd = slices.Clone(spec.Cmd)
	}
	c.Config.Labels = mergeLabels(base.Config.Labels, spec.Labels)
	c.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: make([]digest.Digest, len(layers))}
	for i, l := range layers {
		c.RootFS.DiffIDs[i] = l.Digest
	}
	return c
}

// kernelVersion is the runtime's CONFIG_UK_FULLVERSION (what kraftkit's
// runtime packager passes as the kernel version, which oci/pack.go writes as
// os.version and org.unikraft.kernel.version), falling back to the
// os.version the runtime config already carries.
func kernelVersion(base ocispec.Image) string {
	for _, f := range base.OSFeatures {
		if k, v, ok := strings.Cut(f, "="); ok && k == "CONFIG_UK_FULLVERSION" {
			return unquote(v)
		}
	}
	return base.OSVersion
}

// withKConfig reproduces the os.features kraftkit's oci/pack.go and
// oci/manifest.go write: the inherited list,
// plus every KEY=VALUE of the kconfig rebuilt from it (deduplicated by key,
// quotes stripped, CONFIG_UK_APP and CONFIG_UK_BASE left out), sorted. So
// each feature normally appears twice; kraftkit never deduplicates here.
// Byte order equals kraftkit's comparator for non-numeric strings.
func withKConfig(features []string) []string {
	kconfig := map[string]string{}
	for _, f := range features {
		if k, v, ok := strings.Cut(f, "="); ok {
			kconfig[k] = unquote(v)
		}
	}
	delete(kconfig, "CONFIG_UK_APP")
	delete(kconfig, "CONFIG_UK_BASE")
	out := slices.Clone(features)
	for k, v := range kconfig {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return nilIfEmpty(out)
}

// platformOf is the platform kraftkit puts on the manifest descriptor and on
// the config descriptor: the config's, with features deduplicated
// (slices.Compact in oci/manifest.go Save).
func platformOf(c ocispec.Image) *ocispec.Platform {
	return &ocispec.Platform{
		Architecture: c.Architecture,
		OS:           c.OS,
		OSVersion:    c.OSVersion,
		OSFeatures:   slices.Compact(slices.Clone(c.OSFeatures)),
	}
}

func mergeLabels(base, extra map[string]string) map[string]string {
	if len(base)+len(extra) == 0 {
		return nil
	}
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, extra)
	return out
}

// unquote strips one pair of surrounding double quotes, as kraftkit's
// kconfig.NewKeyValue does.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
