package fgastore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bigStore writes a store file of n tuples (a CSV of them, some with a
// condition) and a test of a few checks over them.
func bigStore(b *testing.B, n int) string {
	dir := b.TempDir()
	model := `model
  schema 1.1

type user

type group
  relations
    define member: [user]

type document
  relations
    define owner: [user]
    define editor: [user, group#member] or owner
    define viewer: [user, user:*, user with before_hour] or editor

condition before_hour(hour: int, limit: int) {
  hour < limit
}
`
	var csv strings.Builder
	csv.WriteString("user_type,user_id,user_relation,relation,object_type,object_id,condition_name,condition_context\n")
	for i := range n {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&csv, "user,u%d,,member,group,g%d,,\n", i, i%50)
		case 1:
			fmt.Fprintf(&csv, "user,u%d,,owner,document,d%d,,\n", i%200, i)
		case 2:
			fmt.Fprintf(&csv, "group,g%d,member,editor,document,d%d,,\n", i%50, i)
		case 3:
			fmt.Fprintf(&csv, "user,u%d,,viewer,document,d%d,before_hour,\"{\"\"limit\"\":12}\"\n", i, i)
		}
	}
	store := `name: big
model_file: model.fga
tuple_file: tuples.csv
tests:
  - name: spot checks
    check:
      - user: user:u1
        object: document:d1
        assertions: {owner: true, editor: true, viewer: true}
      - user: user:u52
        object: document:d2
        assertions: {editor: true, owner: false}
      - user: user:u3
        object: document:d3
        context: {hour: 10}
        assertions: {viewer: true}
      - user: user:u3
        object: document:d3
        context: {hour: 13}
        assertions: {viewer: false}
`
	for name, text := range map[string]string{"model.fga": model, "tuples.csv": csv.String(), "store.fga.yaml": store} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return filepath.Join(dir, "store.fga.yaml")
}

// BenchmarkStore10k times, for a store file of 10,000 tuples: Load, the
// gate (a local OpenFGA started, the tuples written into the test's
// store, the checks, the server stopped), the first Bootstrap on a server
// (the store created, every tuple written) and the next (every tuple
// found there).
//
//	OPENFGA_BIN=/tmp/openfga go test -run - -bench Store10k -benchtime 3x ./ci/fgastore/
func BenchmarkStore10k(b *testing.B) {
	bin := openfgaBinary(b)
	path := bigStore(b, 10_000)
	at := server(b)
	ctx := context.Background()
	var load, gate, first, again time.Duration
	for range b.N {
		start := time.Now()
		f, err := Load(path)
		if err != nil {
			b.Fatal(err)
		}
		load += time.Since(start)

		start = time.Now()
		r, err := Gate(ctx, bin, f)
		if err != nil || r.Failed() {
			b.Fatalf("%v\n%s", err, r.Text())
		}
		gate += time.Since(start)

		f.Name = fmt.Sprintf("big %d", time.Now().UnixNano()) // a new store each time
		start = time.Now()
		res, err := Bootstrap(ctx, at, f, "")
		if err != nil || res.TuplesWritten != 10_000 {
			b.Fatalf("%+v %v", res, err)
		}
		first += time.Since(start)

		start = time.Now()
		res, err = Bootstrap(ctx, at, f, "")
		if err != nil || res.TuplesPresent != 10_000 || res.ModelWritten {
			b.Fatalf("%+v %v", res, err)
		}
		again += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(load.Seconds()/n, "load-s")
	b.ReportMetric(gate.Seconds()/n, "gate-s")
	b.ReportMetric(first.Seconds()/n, "bootstrap-s")
	b.ReportMetric(again.Seconds()/n, "rebootstrap-s")
}
