package datastore

import "strconv"

// Pool is how OpenFGA's connection pool is sized for a deployment of n
// instances on one PostgreSQL: during a rollout the old instances and the
// new ones are connected at once, beside the one-shot migration and the
// connections PostgreSQL keeps for superusers, and all of it must stay
// under max_connections (OpenFGA's documentation: divide the database's
// max_connections by the number of instances).
type Pool struct {
	MaxConnections int `json:"max_connections"` // the database's
	Reserved       int `json:"reserved"`        // superuser_reserved_connections and the migration's
	Instances      int `json:"instances"`       // connected at once in a rollout: this deployment's and as many old ones
	MaxOpenConns   int `json:"max_open_conns"`  // per instance
	MaxIdleConns   int `json:"max_idle_conns"`  // per instance
}

// OpenFGA's own defaults: max_open_conns 30 per instance; what the
// migration holds (goose, one connection, and a spare); PostgreSQL's
// superuser_reserved_connections.
const (
	openfgaMaxOpen      = 30
	migrateConns        = 2
	superuserConns      = 3
	reservedConnections = migrateConns + superuserConns
)

// PoolFor sizes the pool of each of n instances.
func PoolFor(n int) Pool {
	p := Pool{MaxConnections: MaxConnections, Reserved: reservedConnections, Instances: 2 * max(n, 1)}
	p.MaxOpenConns = min(openfgaMaxOpen, max((p.MaxConnections-p.Reserved)/p.Instances, 1))
	p.MaxIdleConns = max(p.MaxOpenConns/2, 1)
	return p
}

// Env is the pool in OpenFGA's variables. MIN_IDLE_CONNS stays unset: it
// must not exceed MIN_OPEN_CONNS, or OpenFGA refuses to start.
func (p Pool) Env() map[string]string {
	return map[string]string{
		"OPENFGA_DATASTORE_MAX_OPEN_CONNS": strconv.Itoa(p.MaxOpenConns),
		"OPENFGA_DATASTORE_MAX_IDLE_CONNS": strconv.Itoa(p.MaxIdleConns),
	}
}
