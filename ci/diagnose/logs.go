package diagnose

import (
	"regexp"
	"strings"
)

var (
	// goPanic matches Go's unrecovered panic and fatal runtime error lines.
	goPanic = regexp.MustCompile(`(?:^|\s|\])(panic: |fatal error: )`)
	goOOM   = regexp.MustCompile(`fatal error: runtime: out of memory|runtime: out of memory`)
	// errorish lines are worth quoting when nothing more specific matched.
	errorish = regexp.MustCompile(`(?i)\b(error|fatal|failed|panic|cannot|unable)\b`)
)

// logView holds the log lines with blanks dropped.
type logView struct{ lines []string }

func newLogView(lines []string) logView {
	var v logView
	for _, l := range lines {
		if l = strings.TrimRight(l, "\r\n\t "); strings.TrimSpace(l) != "" {
			v.lines = append(v.lines, l)
		}
	}
	return v
}

func (v logView) empty() bool { return len(v.lines) == 0 }

// find returns the first matching line, trimmed to start at the match for
// panic lines so that any console prefix is dropped.
func (v logView) find(re *regexp.Regexp) string {
	for _, l := range v.lines {
		if loc := re.FindStringSubmatchIndex(l); loc != nil {
			if re == goPanic {
				return strings.TrimSpace(l[loc[2]:])
			}
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// tail returns the last n lines.
func (v logView) tail(n int) []string {
	if len(v.lines) <= n {
		return v.lines
	}
	return v.lines[len(v.lines)-n:]
}

// errorLines returns the last n error-looking lines, else the last n lines.
func (v logView) errorLines(n int) []string {
	var out []string
	for _, l := range v.lines {
		if errorish.MatchString(l) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return v.tail(n)
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// SplitLines splits raw console output into lines.
func SplitLines(raw []byte) []string {
	return strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
}
