package datastore

import (
	"errors"
	"fmt"
)

// Spec is the datastore choice as the CLI and the Dagger module take it;
// Build checks it and makes the Datastore.
type Spec struct {
	Kind     string // memory (default), postgres or external
	Image    string // postgres: the PostgreSQL image; default <namespace>/openfga-pg:15
	VolumeMB int64  // postgres: size of a new volume; default DefaultVolumeMB
	MemoryMB int64  // postgres: the database's memory; default DefaultMemoryMB
	Password string // postgres: a secret; default the running database's, else generated
	Public   bool   // postgres: also publish 5432 (TLS by the platform)
	URI      string // external: a secret
}

// Build checks the spec, never quoting a secret, and makes the Datastore;
// namespace (the token's) completes the default PostgreSQL image.
func (s Spec) Build(namespace string) (Datastore, error) {
	switch s.Kind {
	case "", "memory":
		return Memory{}, nil
	case "postgres":
		image := s.Image
		if image == "" {
			image = namespace + "/openfga-pg:15"
		}
		p := &Postgres{Image: image, VolumeMB: s.VolumeMB, MemoryMB: s.MemoryMB, Password: s.Password, Public: s.Public}
		if err := p.Check(); err != nil {
			return nil, fmt.Errorf("datastore postgres: %w", err)
		}
		return p, nil
	case "external":
		e := &External{URI: s.URI}
		if err := e.Check(); err != nil {
			return nil, fmt.Errorf("datastore external: %w", err)
		}
		return e, nil
	}
	return nil, errors.New("datastore " + s.Kind + ": want memory, postgres or external")
}
