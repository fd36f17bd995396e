package fgastore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// doc is a YAML file kept as nodes beside its decoded structs, so that a
// problem found after decoding can still name its line and column.
type doc struct {
	file string
	root *yaml.Node // the document's top value; nil for an empty file
}

func parseDoc(file string, data []byte) (doc, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return doc{}, yamlError(file, err, nil)
	}
	d := doc{file: file}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		d.root = n.Content[0]
	}
	return d, nil
}

// node is the value at path (mapping keys as strings, list indexes as ints),
// or nil when the file does not have it.
func (d doc) node(path ...any) *yaml.Node {
	n := d.root
	for _, e := range path {
		if n == nil {
			return nil
		}
		n = child(n, e)
	}
	return n
}

func child(n *yaml.Node, e any) *yaml.Node {
	switch e := e.(type) {
	case int:
		if n.Kind == yaml.SequenceNode && e < len(n.Content) {
			return n.Content[e]
		}
	case string:
		if i := keyIndex(n, e); i >= 0 {
			return n.Content[i+1]
		}
	}
	return nil
}

// keyIndex is the index in n.Content of the key named name of mapping n,
// or -1.
func keyIndex(n *yaml.Node, name string) int {
	if n == nil || n.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return i
		}
	}
	return -1
}

// pos is where the value at path is, or its nearest ancestor that the file
// has (a missing key is reported at the mapping that should hold it).
func (d doc) pos(path ...any) Pos {
	for i := len(path); i >= 0; i-- {
		if n := d.node(path[:i]...); n != nil {
			return Pos{File: d.file, Line: n.Line, Column: n.Column}
		}
	}
	return Pos{File: d.file}
}

// partPos gives where each key of the mapping at path has its value.
func (d doc) partPos(path ...any) func(string) Pos {
	return func(part string) Pos { return d.pos(append(slices.Clone(path), part)...) }
}

// keyPos is where the key name of the mapping at path is written.
func (d doc) keyPos(name string, path ...any) Pos {
	n := d.node(path...)
	if i := keyIndex(n, name); i >= 0 {
		return Pos{File: d.file, Line: n.Content[i].Line, Column: n.Content[i].Column}
	}
	return d.pos(path...)
}

// decodeStrict decodes data into out refusing unknown keys, as the OpenFGA
// CLI does: a misspelt key would otherwise be dropped without a word (a
// "conditon:" would make a conditional tuple unconditional).
func (d doc) decodeStrict(data []byte, out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(out)
	if err == nil || errors.Is(err, io.EOF) { // io.EOF: an empty file
		return nil
	}
	return yamlError(d.file, err, &d)
}

var (
	yamlLine     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
	wrongKind    = regexp.MustCompile("^cannot unmarshal !!(\\w+) ?(`.*`)? into (\\S+)$")
)

var kindOfYAML = map[string]string{"map": "a mapping", "seq": "a list", "str": "the text ", "int": "the number ", "float": "the number ", "bool": "", "null": "nothing"}

// kindOfGo says in words what a Go type yaml.v3 names takes.
func kindOfGo(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.Contains(t, "."):
		return "a mapping"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "text"
	}
	return "a number"
}

// yamlError turns yaml.v3's errors ("yaml: line 7: ...", "line 7: field x
// not found in type y") into Errors at that line, and unknown keys into a
// message listing the keys that are allowed there.
func yamlError(file string, err error, d *doc) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var p problems
	for _, m := range msgs {
		sub := yamlLine.FindStringSubmatch(m)
		if sub == nil {
			p.add(Pos{File: file}, "", "%s", strings.TrimPrefix(m, "yaml: "))
			continue
		}
		line, _ := strconv.Atoi(sub[1])
		pos, fld, msg := Pos{File: file, Line: line}, "", sub[2]
		if u := unknownField.FindStringSubmatch(msg); u != nil {
			if d != nil {
				pos, fld = d.findKey(u[1], line)
			}
			msg = "unknown key " + strconv.Quote(u[1])
			if keys := knownKeys[u[2]]; keys != "" {
				msg += "; the keys here are " + keys
			}
		} else if w := wrongKind.FindStringSubmatch(msg); w != nil {
			if d != nil {
				pos, fld = d.findLine(line)
			}
			msg = fmt.Sprintf("%s is needed here, not %s", kindOfGo(w[3]), kindOfYAML[w[1]]+w[2])
		}
		p.add(pos, fld, "%s", msg)
	}
	return p.err()
}

// findKey finds the key name written on line, giving its position and
// the field path of the mapping that holds it.
func (d doc) findKey(name string, line int) (Pos, string) {
	pos, path := d.find(func(k *yaml.Node) bool { return k.Value == name && k.Line == line })
	if path == nil {
		return Pos{File: d.file, Line: line}, ""
	}
	return pos, field(path[:len(path)-1]...)
}

// findLine finds the first key written on line, giving its position and
// its field path.
func (d doc) findLine(line int) (Pos, string) {
	pos, path := d.find(func(k *yaml.Node) bool { return k.Line == line })
	if path == nil {
		return Pos{File: d.file, Line: line}, ""
	}
	return pos, field(path...)
}

// find walks the file for the first mapping key that match accepts,
// returning its position and path (nil when none does).
func (d doc) find(match func(key *yaml.Node) bool) (Pos, []any) {
	var walk func(n *yaml.Node, at []any) (Pos, []any)
	walk = func(n *yaml.Node, at []any) (Pos, []any) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				here := append(slices.Clone(at), k.Value)
				if match(k) {
					return Pos{File: d.file, Line: k.Line, Column: k.Column}, here
				}
				if p, path := walk(n.Content[i+1], here); path != nil {
					return p, path
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				if p, path := walk(c, append(slices.Clone(at), i)); path != nil {
					return p, path
				}
			}
		}
		return Pos{}, nil
	}
	if d.root == nil {
		return Pos{}, nil
	}
	return walk(d.root, nil)
}

// knownKeys lists, by the Go type name yaml.v3 puts in its message, the keys
// a mapping of that type takes.
var knownKeys = map[string]string{}

func registerKeys(vs ...any) {
	for _, v := range vs {
		t := reflect.TypeOf(v)
		var keys []string
		for i := range t.NumField() {
			if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
				keys = append(keys, k)
			}
		}
		knownKeys[t.String()] = strings.Join(keys, ", ")
	}
}
