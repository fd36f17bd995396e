package redact

import (
	"errors"
	"fmt"
	"testing"
)

func TestRedactor(t *testing.T) {
	var r Redactor
	r.Add("s3cr3t-password", "abc") // "abc" is too short to be scrubbed
	if got := r.String("user:s3cr3t-password@db abc"); got != "user:REDACTED@db abc" {
		t.Errorf("String = %q", got)
	}
	inner := errors.New("dial postgres://u:s3cr3t-password@h")
	err := r.Err(fmt.Errorf("migrate: %w", inner))
	if err.Error() != "migrate: dial postgres://u:REDACTED@h" || errors.Is(err, inner) {
		t.Errorf("Err = %v (the chain must be dropped once edited)", err)
	}
	clean := errors.New("no secret here")
	if r.Err(clean) != clean {
		t.Error("an error without secrets must pass through unchanged")
	}
	if got := r.Lines([]string{"a s3cr3t-password", "b"}); got[0] != "a REDACTED" || got[1] != "b" {
		t.Errorf("Lines = %q", got)
	}
}

func TestNilRedactorScrubsNothing(t *testing.T) {
	var r *Redactor
	if got := r.String("plain"); got != "plain" {
		t.Errorf("String = %q", got)
	}
	if got := New("s3cr3t-password").String("pw=s3cr3t-password"); got != "pw="+Mask {
		t.Errorf("New(...).String = %q", got)
	}
}
