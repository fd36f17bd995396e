// Package unikernel builds, pushes and reads KraftCloud unikernel images: an
// OCI image index with one manifest for kraftcloud/x86_64 whose layers are the
// runtime's kernel (copied verbatim from a runtime image such as
// index.unikraft.io/official/base-compat:latest) and then an initrd, a cpio
// newc archive of the root filesystem wrapped in a single-entry tar.
//
// The JSON documents follow kraftkit's packager byte for byte (its oci/pack.go
// NewPackageFromTarget, oci/manifest.go, oci/index.go and archive/archive.go
// at unikraft/kraftkit @f02a533, which marshal the image-spec v1.1.0 structs
// with encoding/json), with the deliberate differences that make the result
// reproducible:
//
//   - org.opencontainers.image.created comes from Spec.Created (the source's
//     commit date), never the wall clock; zero means the Unix epoch.
//   - Env is written in the caller's order (kraftkit ranges over a map).
//   - The initrd comes from ci/cpio, which fixes mtimes, owners and inodes.
//
// So the same runtime, rootfs and Spec always give the same index digest.
package unikernel

// Platform and layout names, from kraftkit: the platform kraftcloud/x86_64 its
// kraft cloud deploy packs for, the well-known paths of oci/wellknown.go, the
// annotation keys of oci/annotations.go and containerd's image-name key.
const (
	PlatformOS   = "kraftcloud"
	PlatformArch = "x86_64"

	KernelPath = "/unikraft/bin/kernel"
	InitrdPath = "/unikraft/bin/initrd"

	AnnotationKernel          = "org.unikraft.kernel.image"
	AnnotationInitrd          = "org.unikraft.kernel.initrd"
	AnnotationImageName       = "org.unikraft.image.name"
	AnnotationKernelVersion   = "org.unikraft.kernel.version"
	AnnotationKraftkitVersion = "sh.kraftkit.version"
	AnnotationContainerdName  = "io.containerd.image.name"

	// DefaultKraftkitVersion is written as sh.kraftkit.version: the kraftkit
	// release whose packager this package reproduces (unikraft/kraftkit
	// @f02a533 is a staging commit after v0.9.2; goreleaser writes the
	// version without its "v").
	DefaultKraftkitVersion = "0.9.2"

	// DefaultRegistry is the platform's image registry (a Harbor); it takes
	// the API token's decoded user and secret as its basic-auth login.
	DefaultRegistry = "index.unikraft.io"
	// DefaultRuntime is the runtime as a Kraftfile names it (RuntimeRef
	// expands it): base-compat loads plain static Go binaries and dynamic
	// glibc executables alike.
	DefaultRuntime = "base-compat:latest"
)
