package pgimage

import "strconv"

// ServerFlags are the postgres -c flags sized for the instance's memory
// and the volume, appended to the entry point's argv (they win over the
// platform flags it sets itself). The whole rootfs (about 90 MB) is in RAM
// too, so the sizes are a share of what is left:
//   - shared_buffers: a quarter of the rest (PostgreSQL's own advice for a
//     dedicated server), at least 16 MB;
//   - effective_cache_size: half of it (a planner hint, allocates nothing);
//   - work_mem 4 MB, maintenance_work_mem 1/16 (at least 16 MB);
//   - max_connections 100 (datastore.MaxConnections): OpenFGA's pools are
//     sized (datastore.PoolFor) so that the old and the new instances of
//     a rollout and a migration fit, and an idle backend costs little;
//   - max_wal_size a quarter of the volume (at least 64 MB), min_wal_size
//     two 16 MB segments: the default 1 GB of WAL would fill a small volume.
func ServerFlags(memoryMB, volumeMB int64) []string {
	const maxConnections = 100 // = datastore.MaxConnections (datastore imports this package)
	const rootfsMB = 96
	rest := max(memoryMB-rootfsMB, 64)
	mb := func(n int64) string { return strconv.FormatInt(n, 10) + "MB" }
	return []string{
		"-c", "shared_buffers=" + mb(max(rest/4, 16)),
		"-c", "effective_cache_size=" + mb(max(rest/2, 32)),
		"-c", "work_mem=4MB",
		"-c", "maintenance_work_mem=" + mb(max(rest/16, 16)),
		"-c", "max_connections=" + strconv.Itoa(maxConnections),
		"-c", "max_wal_size=" + mb(max(volumeMB/4, 64)),
		"-c", "min_wal_size=32MB",
	}
}
