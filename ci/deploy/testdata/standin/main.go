// Command standin is a tiny static HTTP server the deploy tests run as a
// stand-in for OpenFGA where OpenFGA itself is not needed: it answers
// /healthz like OpenFGA, and with STANDIN_ALLOC_MB it first allocates and
// touches that much memory (to be killed by a small instance's OOM); with
// STANDIN_EXIT_MS it exits 2 that long after it started, as OpenFGA does
// when its datastore cannot be reached.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"
)

var hold []byte

func main() {
	if mb, err := strconv.Atoi(os.Getenv("STANDIN_ALLOC_MB")); err == nil && mb > 0 {
		fmt.Printf("standin: allocating %d MiB\n", mb)
		hold = make([]byte, mb<<20)
		for i := range hold {
			hold[i] = 1
		}
	}
	if ms, err := strconv.Atoi(os.Getenv("STANDIN_EXIT_MS")); err == nil && ms > 0 {
		time.AfterFunc(time.Duration(ms)*time.Millisecond, func() {
			fmt.Println("panic: standin: giving up")
			os.Exit(2)
		})
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, `{"status":"SERVING"}`)
	})
	addr := os.Getenv("OPENFGA_HTTP_ADDR")
	fmt.Println("standin: listening on", addr)
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
