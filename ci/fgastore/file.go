// Package fgastore reads an OpenFGA store file (the `.fga.yaml` of the
// OpenFGA CLI: a model, tuples and tests), runs its tests against a real
// OpenFGA the way `fga model test` does, and bootstraps the store on a
// deployed OpenFGA: the store by name, its model when it changed, and the
// file's tuples added to those already there.
//
// Everything that can be checked without a server is checked by Load, so a
// mistake in the file is reported with its file, line and field before
// anything is sent.
package fgastore

import (
	"os"
	"path/filepath"

	openfga "github.com/openfga/go-sdk"
)

// File is a loaded store file: its model parsed, its tuple files read, and
// every tuple and test checked against the model.
type File struct {
	Path   string                     // as given to Load
	Name   string                     // the store's name
	Model  openfga.AuthorizationModel // as the write API takes it (no ID)
	Tuples []Tuple                    // the global ones: inline, then tuple_file, then tuple_files
	Tests  []Test
}

// HasTests says whether the file has at least one test, for a caller that
// uses the file as a gate and refuses one that tests nothing.
func (f *File) HasTests() bool { return len(f.Tests) > 0 }

// Tuple is one relationship tuple and where the file defines it.
type Tuple struct {
	openfga.TupleKey
	At Pos

	field   string           // its field in the store file (tuples[3]); "" in a tuple file
	partPos func(string) Pos // where its user, relation, object or condition is, when known
}

func (t Tuple) String() string { return t.User + " " + t.Relation + " " + t.Object }

// Test is one entry of tests: its own tuples (written after the global
// ones into the test's store) and its assertions.
type Test struct {
	Name        string
	Description string
	Tuples      []Tuple
	Checks      []Check
	ListObjects []ListObjects
	ListUsers   []ListUsers
}

// Check asserts, for every user and object, whether each relation is
// allowed.
type Check struct {
	Users      []string
	Objects    []string
	Context    map[string]any
	Assertions map[string]bool // relation → allowed
	At         Pos
}

// ListObjects asserts which objects of Type the user has each relation on.
type ListObjects struct {
	User       string
	Type       string
	Context    map[string]any
	Assertions map[string][]string // relation → objects ("document:a")
	At         Pos
}

// ListUsers asserts which users of Filter have each relation on Object.
// Users read "user:anne", "group:eng#member", "user:*".
type ListUsers struct {
	Object     string
	Filter     openfga.UserTypeFilter
	Context    map[string]any
	Assertions map[string][]string // relation → users
	At         Pos
}

// The file's YAML, key for key. Decoded with unknown keys refused.
type (
	storeYAML struct {
		Name       string             `yaml:"name"`
		Model      string             `yaml:"model"`
		ModelFile  string             `yaml:"model_file"`
		Tuples     []openfga.TupleKey `yaml:"tuples"`
		TupleFile  string             `yaml:"tuple_file"`
		TupleFiles []string           `yaml:"tuple_files"`
		Tests      []testYAML         `yaml:"tests"`
	}
	testYAML struct {
		Name        string             `yaml:"name"`
		Description string             `yaml:"description"`
		Tuples      []openfga.TupleKey `yaml:"tuples"`
		TupleFile   string             `yaml:"tuple_file"`
		Check       []checkYAML        `yaml:"check"`
		ListObjects []listObjectsYAML  `yaml:"list_objects"`
		ListUsers   []listUsersYAML    `yaml:"list_users"`
	}
	checkYAML struct {
		User       string          `yaml:"user"`
		Users      []string        `yaml:"users"`
		Object     string          `yaml:"object"`
		Objects    []string        `yaml:"objects"`
		Context    map[string]any  `yaml:"context"`
		Assertions map[string]bool `yaml:"assertions"`
	}
	listObjectsYAML struct {
		User       string              `yaml:"user"`
		Type       string              `yaml:"type"`
		Context    map[string]any      `yaml:"context"`
		Assertions map[string][]string `yaml:"assertions"`
	}
	listUsersYAML struct {
		Object     string                       `yaml:"object"`
		UserFilter []openfga.UserTypeFilter     `yaml:"user_filter"`
		Context    map[string]any               `yaml:"context"`
		Assertions map[string]listUsersExpected `yaml:"assertions"`
	}
	listUsersExpected struct {
		Users []string `yaml:"users"`
	}
)

func init() {
	registerKeys(storeYAML{}, testYAML{}, checkYAML{}, listObjectsYAML{}, listUsersYAML{},
		listUsersExpected{}, openfga.TupleKey{}, openfga.RelationshipCondition{}, openfga.UserTypeFilter{})
}

// Load reads the store file at path and the files it names (relative to
// its directory, and refused when they leave it), parses the model and
// checks every tuple and assertion against it. The error lists every
// problem found, one per line, each with its file, line and field.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d, err := parseDoc(path, data)
	if err != nil {
		return nil, err
	}
	var y storeYAML
	if err := d.decodeStrict(data, &y); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	l := &loader{doc: d, dir: filepath.Dir(path), root: root, raw: data}
	f := l.load(&y)
	if err := l.problems.err(); err != nil {
		return nil, err
	}
	return f, nil
}
