package unikernel

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestAccessNeverPrintsThePassword(t *testing.T) {
	acc := Access{Username: testUser, Password: testPassword}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, acc); strings.Contains(s, testPassword) {
			t.Errorf("%s prints the password: %s", format, s)
		}
	}
}

func TestScrubRemovesPlainAndBasicForms(t *testing.T) {
	acc := Access{Username: testUser, Password: testPassword}
	basic := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword))
	err := acc.scrub(fmt.Errorf("wrapped: %w", errors.New("pw="+testPassword+" auth=Basic "+basic)))
	if s := err.Error(); strings.Contains(s, testPassword) || strings.Contains(s, basic) {
		t.Fatalf("not scrubbed: %s", s)
	}
	if errors.Unwrap(err) != nil {
		t.Fatal("scrubbed error still wraps the original")
	}
	plain := errors.New("nothing secret")
	if acc.scrub(plain) != plain {
		t.Fatal("a clean error was replaced")
	}
}

func TestAccessRejectsABadCA(t *testing.T) {
	if _, err := (Access{CACertPEM: []byte("not pem")}).transport(); err == nil {
		t.Fatal("accepted a CA without certificates")
	}
}

type login struct{ user, secret string }

func (l login) RegistryAuth() (string, string) { return l.user, l.secret }

func TestAccessFor(t *testing.T) {
	host, a := AccessFor("http://10.0.0.1:5000", login{"robot$acme", "s3cr3t"}, []byte("pem"))
	if host != "10.0.0.1:5000" || !a.PlainHTTP || a.Username != "robot$acme" || a.Password != "s3cr3t" || string(a.CACertPEM) != "pem" {
		t.Errorf("AccessFor(http://…) = %q, %v", host, a)
	}
	host, a = AccessFor(DefaultRegistry, login{"u", "p"}, nil)
	if host != DefaultRegistry || a.PlainHTTP {
		t.Errorf("AccessFor(%s) = %q, plain %v", DefaultRegistry, host, a.PlainHTTP)
	}
	if strings.Contains(a.String(), "p}") || !strings.Contains(a.String(), "Password:REDACTED") {
		t.Errorf("Access prints %s", a)
	}
}
