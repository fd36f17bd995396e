// Command app is the simulator tests' guest program: a tiny HTTP server
// (the default), or a program that fails in one of the ways the tests
// check, chosen by its first argument.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	mode := "serve"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "serve":
		serve()
	case "panic":
		fmt.Println("app: connecting to the datastore")
		panic("hostname resolving error: lookup postgres.default: no such host")
	case "oom":
		eat()
	case "exit":
		fmt.Println("app: exiting on request")
		os.Exit(7)
	case "write": // write PATH CONTENT, then exit 0
		if err := os.WriteFile(os.Args[2], []byte(os.Args[3]), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "app:", err)
			os.Exit(1)
		}
		fmt.Println("app: wrote", os.Args[2])
	default:
		fmt.Fprintln(os.Stderr, "app: unknown mode", mode)
		os.Exit(64)
	}
}

// serve answers on :8080 (or $PORT): / says hello, /lookup?host=H resolves
// H with the Go resolver, /get?url=U answers U's body (what the instance
// reaches), /cat?path=P answers a file of the instance, /env?k=K prints an
// env var, /sleep?ms=N answers after N milliseconds (a long request).
func serve() {
	host, _ := os.Hostname()
	addr := ":8080"
	if p := os.Getenv("PORT"); p != "" {
		addr = ":" + p
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s\n", host)
	})
	http.HandleFunc("/lookup", func(w http.ResponseWriter, r *http.Request) {
		addrs, err := net.LookupHost(r.URL.Query().Get("host"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintln(w, strings.Join(addrs, ","))
	})
	http.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		c := &http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get(r.URL.Query().Get("url"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		_, _ = io.Copy(w, resp.Body)
	})
	http.HandleFunc("/cat", func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(r.URL.Query().Get("path"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		_, _ = w.Write(b)
	})
	http.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, os.Getenv(r.URL.Query().Get("k")))
	})
	http.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		fmt.Fprintf(w, "slept %d ms\n", ms)
	})
	fmt.Printf("app: %s listening on %s\n", host, addr)
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "app:", err)
		os.Exit(1)
	}
}

// eat allocates and touches memory until the kernel stops it.
func eat() {
	var keep [][]byte
	for i := 0; ; i++ {
		b := make([]byte, 4<<20)
		for j := range b {
			b[j] = byte(j)
		}
		keep = append(keep, b)
		if i%8 == 0 {
			fmt.Printf("app: holding %d MiB\n", (i+1)*4)
		}
		time.Sleep(time.Millisecond)
	}
}
