// Command report prints the preflight report of an ELF file as JSON. The
// module's build container runs it on the binary it has just built, so the
// verdict is read where the binary lies instead of copying 60 MiB out to
// judge it. It exits 0 whatever the verdict (the reader judges) and 1 when
// the file cannot be read.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: report FILE")
		os.Exit(2)
	}
	rep, err := preflight.Inspect(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "preflight:", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		os.Exit(1)
	}
}
