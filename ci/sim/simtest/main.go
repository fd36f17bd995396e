package simtest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// ends are the clean-ups Main runs once the tests are over: removing what
// GoBinary built and closing Shared simulators. A test's own t.Cleanup is
// too early for what several tests share.
var ends struct {
	mu      sync.Mutex
	running bool
	fns     []func(failed bool) error
}

// Main runs the tests, then removes the binaries GoBinary built and closes
// the Shared simulators, and returns the exit code: m.Run's, or 1 if a
// clean-up failed. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(simtest.Main(m)) }
func Main(m *testing.M) int {
	ends.mu.Lock()
	ends.running = true
	ends.mu.Unlock()
	code := m.Run()
	ends.mu.Lock()
	fns := ends.fns
	ends.fns, ends.running = nil, false
	ends.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- { // last made, first removed, as t.Cleanup does
		if err := fns[i](code != 0); err != nil {
			fmt.Fprintln(os.Stderr, "simtest:", err)
			code = max(code, 1)
		}
	}
	return code
}

// atEnd registers a clean-up for Main.
func atEnd(fn func(failed bool) error) {
	ends.mu.Lock()
	ends.fns = append(ends.fns, fn)
	ends.mu.Unlock()
}

// requireMain fails the test unless Main runs the tests: what outlives one
// test would be left behind otherwise.
func requireMain(t testing.TB, what string) {
	t.Helper()
	ends.mu.Lock()
	ok := ends.running
	ends.mu.Unlock()
	if !ok {
		t.Fatalf("simtest: %s needs TestMain to call simtest.Main, which removes what it made when the tests end", what)
	}
}
