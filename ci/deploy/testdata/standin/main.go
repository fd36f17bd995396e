// Command standin is a tiny static HTTP server the deploy tests run as a
// stand-in for OpenFGA where OpenFGA itself is not needed: it answers
// /healthz like OpenFGA, and with STANDIN_ALLOC_MB it first allocates and
// touches that much memory (to be killed by a small instance's OOM).
package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
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
