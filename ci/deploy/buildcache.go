package deploy

import (
	"cmp"
	"context"
	"debug/buildinfo"
	"fmt"
	"maps"
	"os"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/buildcache"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/rootpath"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// FindBuild looks in the deployment's repository for an image made from
// in (see ci/buildcache), the runtime first resolved to a digest: the
// image to deploy (as Options.Image) or buildcache.ErrNone, and the
// inputs with the runtime's digest, for the build when there is none
// (Options.Inputs, and the runtime as Options.Runtime). overlay is the
// directory of the rootfs overlay the inputs hash.
func FindBuild(ctx context.Context, o Options, in buildcache.Inputs, overlay string) (string, buildcache.Inputs, error) {
	if o.Client == nil {
		return "", in, fmt.Errorf("no API client: give --metro or --api, and a token")
	}
	a, err := loadApp(o.Kraftfile, new([]string))
	if err != nil {
		return "", in, err
	}
	var caPEM []byte
	if o.CAFile != "" {
		if caPEM, err = os.ReadFile(o.CAFile); err != nil {
			return "", in, err
		}
	}
	spec, err := imageFor(o, o.Client.Token(), o.Name, a.runtime, caPEM)
	if err != nil {
		return "", in, err
	}
	digest, err := unikernel.Resolve(ctx, spec.runtime, spec.access)
	if err != nil {
		return "", in, fmt.Errorf("the runtime %s: %w", spec.runtime, err)
	}
	in.Runtime = repositoryOf(spec.runtime) + "@" + digest.String()
	image, err := buildcache.Find(ctx, spec.ref.Repository(), spec.access, in, overlay)
	return image, in, err
}

// repositoryOf is a reference without its tag or digest (a port's colon
// stays).
func repositoryOf(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// withInputs adds the inputs' label to the image's labels: what it was
// made from, and the Go toolchain its binary says built it.
func (m *imagePush) withInputs(in *buildcache.Inputs) error {
	if in == nil {
		return nil
	}
	bin, err := rootpath.Resolve(m.rootfs, m.cmd[0])
	if err != nil {
		return err
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("the binary's Go build information: %w", err)
	}
	m.labels = maps.Clone(m.labels)
	if m.labels == nil {
		m.labels = map[string]string{}
	}
	m.labels[buildcache.Label] = in.LabelValue(info.GoVersion)
	m.inputs = in
	return nil
}

// tagInputs tags the pushed image with its inputs' tag, where the next
// deploy from the same inputs finds it.
func (m *imagePush) tagInputs(ctx context.Context) error {
	if m.inputs == nil {
		return nil
	}
	tag := m.spec.ref.Repository() + ":" + m.inputs.Tag()
	if err := unikernel.Retag(ctx, m.spec.ref.WithDigest(m.pushed.digest), tag, m.spec.access); err != nil {
		return fmt.Errorf("tag the image with its inputs: %w", err)
	}
	m.log.Printf("push: tagged %s (what it is made from)", cmp.Or(m.inputs.Tag(), tag))
	return nil
}
