// Package cpio reads and writes SVR4 "newc" cpio archives, the initrd format
// the Unikraft base-compat kernel unpacks at boot.
//
// The writer is deterministic on purpose: the same tree always gives the same
// bytes, so the unikernel image built from it keeps the same digest. Every
// rule below follows what kraftkit's writer does (research doc
// unikernel-image-format.md §8.1/§8.2), except where kraftkit copies
// host-specific values, which we fix instead:
//
//   - Order: fs.WalkDir pre-order, entries sorted by byte within each
//     directory, root skipped, names "./" + slash path (kraftkit's directory
//     builder, §8.2).
//   - mtime: Options.MTime for every entry (0 unless the caller passes
//     SOURCE_DATE_EPOCH); kraftkit copies host mtimes.
//   - uid/gid 0 and inodes 1, 2, 3… in write order (kraftkit's counter,
//     §8.1); kraftkit's directory builder copies host uid/gid/ino.
//   - nlink: 1 for regular files, 0 for directories and symlinks (kraftkit's
//     writer defaults, §8.1). Hard links are written as independent files.
//   - Mode: type bits plus the 0777 permission bits; setuid/setgid/sticky are
//     dropped exactly as every kraftkit builder does (§8.1, "Permission bits").
//   - Dev, rdev and check fields are always 0; the trailer is TRAILER!!! with
//     nlink 1 and no block padding after it (§8.1).
//   - Devices, fifos and sockets are skipped, as kraftkit does.
package cpio
