package diagnose

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText prints the diagnosis for a person: cause and fix first, then
// the decoded codes and the evidence.
func WriteText(w io.Writer, d Diagnosis) error {
	var b strings.Builder
	name := d.Instance
	if name == "" {
		name = "(unnamed)"
	}
	verdict := "not a failure"
	if d.Failed {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "instance %s: %s, %s [%s]\n", name, orDash(string(d.State)), verdict, d.Kind)
	fmt.Fprintf(&b, "cause: %s\n", d.Cause)
	fmt.Fprintf(&b, "fix:   %s\n", d.Fix)
	fmt.Fprintf(&b, "codes: %s\n", codes(d))
	for _, e := range d.Evidence {
		fmt.Fprintf(&b, "log:   %s\n", e)
	}
	for _, n := range d.Notes {
		fmt.Fprintf(&b, "note:  %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// codes is the one-line decoding of stop_reason, exit_code and stop_code.
func codes(d Diagnosis) string {
	sr := d.StopReason
	s := fmt.Sprintf("stop_reason %d %s", sr.Raw, sr.Flags)
	if sr.App {
		s += fmt.Sprintf(", exit_code %d", d.ExitCode)
	} else if d.ExitCode != 0 {
		s += fmt.Sprintf(", exit_code %d (A bit unset)", d.ExitCode)
	}
	sc := d.StopCode
	if sc.Source == "platform" {
		return s + fmt.Sprintf(", stop_code %d platform %s", sc.Raw, sc.Platform)
	}
	s += fmt.Sprintf(", stop_code %s reason %s initlevel %d", sc.Hex, sc.Reason, sc.InitLevel)
	if sc.ErrnoName != "" {
		s += " errno " + sc.ErrnoName
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteJSON prints the diagnosis as one indented JSON object.
func WriteJSON(w io.Writer, d Diagnosis) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
