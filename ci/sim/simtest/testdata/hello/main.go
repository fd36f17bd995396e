// Command hello is the test kit's guest program: it prints a line, then
// answers /healthz on :8080 as OpenFGA does, {"status":"SERVING"}.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	fmt.Println("hello: listening on :8080")
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, `{"status":"SERVING"}`)
	})
	if err := http.ListenAndServe(":8080", nil); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}
