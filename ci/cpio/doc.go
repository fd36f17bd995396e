// Package cpio reads and writes SVR4 "newc" cpio archives, the initrd format
// the Unikraft base-compat kernel unpacks at boot.
//
// The writer is deterministic on purpose: the same tree always gives the same
// bytes, so the unikernel image built from it keeps the same digest. Every
// rule below follows what kraftkit (unikraft/kraftkit @f02a533) writes, in
// its cpio/writer.go and cpio/svr4.go and its directory builder
// initrd/directory.go, except where kraftkit copies host-specific values,
// which we fix instead:
//
//   - Order: fs.WalkDir pre-order, entries sorted by byte within each
//     directory, root skipped, names "./" + slash path (kraftkit's directory
//     builder, initrd/directory.go).
//   - mtime: Options.MTime for every entry (0 unless the caller passes
//     SOURCE_DATE_EPOCH); kraftkit copies host mtimes.
//   - uid/gid 0 and inodes 1, 2, 3… in write order (the counter in
//     kraftkit's cpio/writer.go WriteHeader); kraftkit's directory builder
//     copies host uid/gid/ino.
//   - nlink: 1 for regular files, 0 for directories and symlinks (the
//     defaults of kraftkit's cpio/writer.go). Hard links are written as
//     independent files.
//   - Mode: type bits plus the 0777 permission bits; setuid/setgid/sticky are
//     dropped exactly as every kraftkit initrd builder does (each takes
//     info.Mode().Perm()).
//   - Dev, rdev and check fields are always 0 (kraftkit's cpio/svr4.go never
//     writes them); the trailer is TRAILER!!! with nlink 1 and no block
//     padding after it (kraftkit's cpio/writer.go Close).
//   - Devices, fifos and sockets are skipped, as kraftkit does.
package cpio
