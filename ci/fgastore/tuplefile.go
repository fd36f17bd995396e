package fgastore

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"

	openfga "github.com/openfga/go-sdk"
)

// parseTupleFile reads a tuple file by its extension, as the OpenFGA CLI
// does: .yaml, .yml and .json hold a list of {user, relation, object,
// condition}; .jsonl one such object a line; .csv a header row then one
// tuple a row.
func parseTupleFile(name string, data []byte) ([]Tuple, error) {
	var ts []Tuple
	var err error
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".yaml", ".yml", ".json":
		ts, err = yamlTuples(name, data)
	case ".jsonl":
		ts, err = jsonlTuples(name, data)
	case ".csv":
		// A header without rows is an empty file that is allowed, as in
		// the CLI, so it returns before the emptiness check.
		return csvTuples(name, data)
	default:
		return nil, &Error{Pos: Pos{File: name}, Msg: "tuple files are .yaml, .yml, .json, .jsonl or .csv; rename the file or convert it"}
	}
	if err == nil && len(ts) == 0 {
		err = &Error{Pos: Pos{File: name}, Msg: "the file has no tuples; add some or stop naming it"}
	}
	return ts, err
}

// yamlTuples reads a YAML list of tuples; JSON is read by the same parser
// (JSON is YAML), which gives the line of each tuple.
func yamlTuples(name string, data []byte) ([]Tuple, error) {
	d, err := parseDoc(name, data)
	if err != nil {
		return nil, err
	}
	var keys []openfga.TupleKey
	if err := d.decodeStrict(data, &keys); err != nil {
		return nil, err
	}
	ts := make([]Tuple, len(keys))
	for i, k := range keys {
		ts[i] = Tuple{TupleKey: k, At: d.pos(i), field: field(i), partPos: d.partPos(i)}
	}
	return ts, nil
}

func jsonlTuples(name string, data []byte) ([]Tuple, error) {
	var ts []Tuple
	var p problems
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var k openfga.TupleKey
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&k); err != nil {
			p.add(Pos{File: name, Line: line}, "", "not a tuple in JSON ({\"user\": ..., \"relation\": ..., \"object\": ...}): %v", err)
			continue
		}
		ts = append(ts, Tuple{TupleKey: k, At: Pos{File: name, Line: line}})
	}
	if err := sc.Err(); err != nil {
		p.add(Pos{File: name}, "", "%v", err)
	}
	return ts, p.err()
}

// The CSV columns, as the OpenFGA CLI names them.
var (
	csvColumns  = []string{"user_type", "user_id", "user_relation", "relation", "object_type", "object_id", "condition_name", "condition_context"}
	csvRequired = []string{"user_type", "user_id", "relation", "object_type", "object_id"}
)

func csvTuples(name string, data []byte) ([]Tuple, error) {
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err == io.EOF {
		return nil, &Error{Pos: Pos{File: name}, Msg: "the file is empty; a CSV tuple file starts with a header row: " + strings.Join(csvColumns, ",")}
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	col, err := csvHeader(name, header)
	if err != nil {
		return nil, err
	}
	var ts []Tuple
	var p problems
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := r.FieldPos(0)
		t, err := csvTuple(rec, col)
		if err != nil {
			p.add(Pos{File: name, Line: line}, "condition_context", "%v", err)
			continue
		}
		t.At = Pos{File: name, Line: line}
		ts = append(ts, t)
	}
	return ts, p.err()
}

// csvHeader maps each column name to its index, refusing names the CLI
// does not know and requiring the columns a tuple cannot do without.
func csvHeader(name string, header []string) (map[string]int, error) {
	col := map[string]int{}
	var p problems
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !slices.Contains(csvColumns, h) {
			p.add(Pos{File: name, Line: 1, Column: i + 1}, "", "unknown column %q; the columns are %s", h, strings.Join(csvColumns, ","))
		}
		col[h] = i
	}
	for _, h := range csvRequired {
		if _, ok := col[h]; !ok {
			p.add(Pos{File: name, Line: 1}, "", "the header has no column %q; the required columns are %s", h, strings.Join(csvRequired, ","))
		}
	}
	_, hasName := col["condition_name"]
	if _, ok := col["condition_context"]; ok && !hasName {
		p.add(Pos{File: name, Line: 1}, "", "column condition_context needs the column condition_name beside it")
	}
	return col, p.err()
}

func csvTuple(rec []string, col map[string]int) (Tuple, error) {
	get := func(h string) string {
		if i, ok := col[h]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	k := openfga.TupleKey{
		User:     get("user_type") + ":" + get("user_id"),
		Relation: get("relation"),
		Object:   get("object_type") + ":" + get("object_id"),
	}
	if r := get("user_relation"); r != "" {
		k.User += "#" + r
	}
	if c := get("condition_name"); c != "" {
		ctx := map[string]any{}
		if s := get("condition_context"); s != "" {
			if err := json.Unmarshal([]byte(s), &ctx); err != nil {
				return Tuple{}, errors.New("not a JSON object: " + err.Error())
			}
		}
		k.Condition = &openfga.RelationshipCondition{Name: c, Context: &ctx}
	}
	return Tuple{TupleKey: k}, nil
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{Pos: Pos{File: name, Line: pe.Line, Column: pe.Column}, Msg: pe.Err.Error()}
	}
	return &Error{Pos: Pos{File: name}, Msg: err.Error()}
}
