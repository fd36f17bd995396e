// The openfga-kraftcloud module takes OpenFGA from a pinned release to a
// verified unikernel on KraftCloud: source → binary → preflight → image →
// deploy, with status, logs and destroy for the deployment.
//
// The logic that needs no engine (build flags, ELF preflight, Kraftfile
// parsing) lives in the repository's ci/ packages and is imported from there,
// so the module and the `go run .` CLI can never disagree.
package main

import (
	"dagger/openfga-kraftcloud/internal/dagger"
)

type OpenfgaKraftcloud struct {
	// The OpenFGA release tag
	Version string
	// The commit the tag must point at
	Commit string
	// The git repository cloned for the source
	Repo string

	// +private
	Src *dagger.Directory
	// +private
	Date string
	// +private
	GoImage string
	// +private
	Goproxy string
	// +private
	GoproxyDir *dagger.Directory
	// +private
	Overlay *dagger.Directory
	// +private
	Kraftfile *dagger.File
	// +private
	Project *dagger.Directory
	// +private
	ModCache *dagger.CacheVolume
	// +private
	BuildCache *dagger.CacheVolume
}

func New(
	// OpenFGA release tag to build
	// +optional
	// +default="v1.11.0"
	version string,
	// Commit SHA the tag must resolve to; a moved tag fails the build
	// +optional
	// +default="c06a7ec061f23e4e07adfa080fe66642c243b63c"
	commit string,
	// Git repository of OpenFGA
	// +optional
	// +default="https://github.com/openfga/openfga"
	repo string,
	// OpenFGA source tree used instead of cloning (air-gapped use). With a .git
	// directory the tag is still checked; without one, --commit and --date are trusted.
	// +optional
	source *dagger.Directory,
	// Commit date (RFC 3339) to stamp when the source has no .git to read it from
	// +optional
	date string,
	// Go image to build with; default golang:<toolchain of OpenFGA's go.mod>-bookworm
	// +optional
	goImage string,
	// GOPROXY URL for the build's module downloads
	// +optional
	goproxy string,
	// A GOPROXY-layout directory (e.g. $(go env GOMODCACHE)/cache/download) to build offline
	// +optional
	goproxyDir *dagger.Directory,
	// Files laid over the image root
	// +defaultPath="/rootfs"
	rootfs *dagger.Directory,
	// The Kraftfile: cmd and labels of the unikernel
	// +defaultPath="/Kraftfile"
	kraftfile *dagger.File,
	// This repository's Go source: the CLI and the simulator that rehearse runs
	// +defaultPath="/"
	// +ignore=["*", "!go.mod", "!go.sum", "!main.go", "!ci/**/*.go"]
	project *dagger.Directory,
	// Go module cache volume (default: a shared one)
	// +optional
	moduleCache *dagger.CacheVolume,
	// Go build cache volume (default: a shared one)
	// +optional
	buildCache *dagger.CacheVolume,
) *OpenfgaKraftcloud {
	// The +default version and commit above are the pinned release,
	// ci/gobuild.Pinned; a test of ci/consistency keeps them equal.
	if moduleCache == nil {
		moduleCache = dag.CacheVolume("openfga-kraftcloud-gomod")
	}
	if buildCache == nil {
		buildCache = dag.CacheVolume("openfga-kraftcloud-gobuild")
	}
	return &OpenfgaKraftcloud{
		Version:    version,
		Commit:     commit,
		Repo:       repo,
		Src:        source,
		Date:       date,
		GoImage:    goImage,
		Goproxy:    goproxy,
		GoproxyDir: goproxyDir,
		Overlay:    rootfs,
		Kraftfile:  kraftfile,
		Project:    project,
		ModCache:   moduleCache,
		BuildCache: buildCache,
	}
}
