package preflight

import (
	"encoding/json"
	"fmt"
	"io"
)

// Run is the body of `go run . preflight FILE [--json]`. It returns the exit
// code: 0 when the file is deployable, 1 when it is refused or unreadable.
// The reason for a refusal goes to stderr; with asJSON the Report goes to
// stdout whatever the verdict, so scripts can read both.
func Run(path string, asJSON bool, stdout, stderr io.Writer) int {
	rep, err := Inspect(path)
	if err != nil {
		fmt.Fprintf(stderr, "preflight: %v\n", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "preflight: %v\n", err)
			return 1
		}
	}
	if err := rep.Err(); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if rep.Warning != "" {
		fmt.Fprintf(stderr, "preflight: %s: warning: %s\n", rep.Path, rep.Warning)
	}
	if !asJSON {
		fmt.Fprintf(stdout, "preflight: %s: deployable (%s %s)\n", rep.Path, rep.Kind, rep.Machine)
	}
	return 0
}
