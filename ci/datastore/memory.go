package datastore

import "context"

// Memory is OpenFGA's in-memory datastore: per instance, lost when the
// instance stops, and nothing to prepare on the platform.
type Memory struct{}

func (Memory) Engine() string { return "memory" }

func (Memory) Env() map[string]string {
	return map[string]string{"OPENFGA_DATASTORE_ENGINE": "memory"}
}

func (Memory) Persistent() bool { return false }

func (Memory) Secrets() []string { return nil }

func (Memory) Prepare(context.Context, Platform) error { return nil }

func (Memory) Undo(context.Context, Platform) []string { return nil }
