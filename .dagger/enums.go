package main

// Datastore is where OpenFGA keeps its data.
type Datastore string

const (
	// OpenFGA's in-memory store: per instance, lost on every restart
	DatastoreMemory Datastore = "memory"
	// PostgreSQL on the platform: an instance with a volume, made and reused by deploy
	DatastorePostgres Datastore = "postgres"
	// A PostgreSQL of yours, by URI (--datastore-uri)
	DatastoreExternal Datastore = "external"
)

// Restart is the restart policy of OpenFGA's instances.
type Restart string

const (
	// A crash brings the server back, with the platform's back-off
	RestartOnFailure Restart = "on-failure"
	// Every stop brings it back
	RestartAlways Restart = "always"
	// Nothing brings it back
	RestartNever Restart = "never"
)

// ScaleToZero is the instances' scale-to-zero policy.
type ScaleToZero string

const (
	// Stop when idle, wake on the next request
	ScaleToZeroOn ScaleToZero = "on"
	// Always running
	ScaleToZeroOff ScaleToZero = "off"
	// Stop only when idle with no open connection
	ScaleToZeroIdle ScaleToZero = "idle"
)

// Dialect is the generation of KraftCloud's API the rehearsal's simulator
// serves.
type Dialect string

const (
	// The current API (v1)
	DialectV1 Dialect = "v1"
	// The 2024 API: answers as arrays, no tags, no volume clone
	DialectLegacy Dialect = "legacy"
)
