package unikernel

import "testing"

func TestRegistryAddr(t *testing.T) {
	cases := []struct {
		in, host string
		plain    bool
	}{
		{"index.unikraft.io", "index.unikraft.io", false},
		{"127.0.0.1:5000", "127.0.0.1:5000", true},
		{"localhost:5000", "localhost:5000", true},
		{"10.87.0.1:5000", "10.87.0.1:5000", false},
		{"http://10.87.0.1:5000", "10.87.0.1:5000", true},
		{"https://127.0.0.1:5000", "127.0.0.1:5000", false},
	}
	for _, c := range cases {
		host, plain := RegistryAddr(c.in)
		if host != c.host || plain != c.plain {
			t.Errorf("RegistryAddr(%q) = %q, %v; want %q, %v", c.in, host, plain, c.host, c.plain)
		}
	}
}
