// Package ociimage makes a root filesystem into a bit-reproducible OCI image
// tarball: one layer, every file owned by root with one fixed mtime, entries
// in a fixed order, gzip without a name or time, and a config whose
// timestamps are that same instant (the commit date, never the build time).
//
// The layer and the final tarball are written by GNU tar and gzip in the
// module's build container (the scripts here), so that every step is a
// content-addressed Dagger exec; this package computes the JSON documents in
// between. Dagger v0.19's own Container.export stamps the config and history
// with the times its snapshots were made, so a cold and a warm build of the
// same bytes export differently; this export does not.
package ociimage

import "time"

// Config is what the image says about itself.
type Config struct {
	Entrypoint []string
	Cmd        []string
	Env        []string
	Labels     map[string]string
	Created    time.Time // also every file's mtime
}
