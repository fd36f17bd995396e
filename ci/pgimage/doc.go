// Package pgimage lays out the root filesystem of a PostgreSQL unikernel
// for KraftCloud's base-compat runtime from Debian's own packages: the
// postgresql-15 server, the shared libraries it loads, glibc's dynamic
// loader, dash (initdb runs `postgres --boot` through /bin/sh) and tzdata,
// each extracted with dpkg-deb, then trimmed (documentation, translations,
// JIT bitcode, client tools, extension modules whose libraries are not in
// the image). Every DT_NEEDED of every ELF file kept must resolve inside
// the rootfs, or Layout fails and names the missing library: the
// simulator (and the platform's loader) would otherwise fail at boot.
//
// The entry point (./entrypoint, a static Go program) initialises PGDATA on
// the volume when it is empty, sets the password from the environment and
// execs postgres as the postgres user. The flags, and why:
//
//   - listen_addresses=* port=5432: OpenFGA reaches the database over the
//     private network at <instance>.internal:5432 (every instance gets a
//     private IP and the private FQDN <instance-name>.internal, per the
//     platform's network communication tutorial, unikraft-cloud/docs
//     pages/tutorials/network-communication.mdx).
//   - hba_file=/etc/postgresql/pg_hba.conf (in the image, not on the
//     volume): scram-sha-256 passwords from any address; the instance has
//     no public service unless asked for, so only the user's private
//     network can connect. The file applies to existing volumes too.
//   - ssl=off: the private network is the user's own (per user, private
//     and unencrypted, as that tutorial says); clients use sslmode=disable.
//     A public service is TLS-terminated by the platform's gateway instead.
//   - unix_socket_directories=/tmp: the default /var/run/postgresql does
//     not exist in the image; /tmp is in the (RAM) rootfs and writable.
//   - huge_pages=off: there is no hugetlbfs to probe.
//   - jit=off: the LLVM JIT module is not in the image (libLLVM is 100 MB).
//   - logging_collector=off, log_destination=stderr: the console is the
//     platform's log (GET /v1/instances/log); readiness is read there
//     ("database system is ready to accept connections").
//   - dynamic_shared_memory_type is left to initdb, which probes the
//     platform it runs on (posix when /dev/shm works, else sysv) and writes
//     the result into postgresql.conf on the volume.
//   - fsync stays on: the volume is the only copy of the data.
//   - PGDATA is /volume/pgdata, a directory on the volume, not its root:
//     an ext4 volume's root holds lost+found, and initdb refuses a data
//     directory that is not empty.
//   - Sized for memory_mb by ServerFlags (the caller appends them to the
//     entry point's argv): shared_buffers, effective_cache_size, work_mem,
//     maintenance_work_mem, max_connections; and for the volume size:
//     max_wal_size and min_wal_size (the default 1 GB of WAL would not fit
//     a small volume).
//
// The rootfs is unpacked into the instance's RAM (as every initrd is), so
// it is kept small: about 90 MB, most of it ICU's data, which the server
// links against.
//
// Building it for the real platform: on a Debian 12 machine (or a
// debian:bookworm container), `bash .ci/pg-rootfs.sh` downloads the
// packages; Layout(ctx, Options{Debs: dir, Out: rootfs, Entrypoint: bin})
// with BuildEntrypoint's static binary lays out the rootfs; Push packages
// it as a unikernel on base-compat:latest (cmd EntrypointPath) and pushes
// it, e.g. as index.unikraft.io/<user>/openfga-pg:15, the default image
// of `deploy --datastore postgres`. The same rootfs works with the kraft
// CLI: a Kraftfile with runtime base-compat:latest, rootfs the directory
// and cmd ["/usr/local/bin/pg-entrypoint"].
//
// The difference from KraftCloud's own PostgreSQL example
// (unikraft-cloud/examples, postgres/): that one builds PG 16 from source on
// Alpine (musl), starts it through a bash wrapper that sets the
// docker-library image's defaults, and preloads pg_ukc_scaletozero, an
// extension that lets the platform scale an idle database to zero and wake
// it on a connection (policy idle, stateful). This image is PG 15 from
// Debian's packages (glibc), its entry point is one static program with no
// shell scripts, and scale-to-zero is off: OpenFGA reaches the database on
// the private network, where scale-to-zero wake-ups are not dependable (the
// network communication tutorial says scale-to-zero triggers are
// unavailable on internal networking), and OpenFGA holds a connection pool
// open anyway.
package pgimage
