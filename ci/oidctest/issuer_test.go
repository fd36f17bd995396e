package oidctest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func start(t *testing.T, opts ...Option) *Issuer {
	t.Helper()
	iss, err := Start("127.0.0.1:0", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = iss.Close() })
	return iss
}

// getJSON GETs url and decodes its JSON body into v, failing the test on
// anything but a 200 with a JSON content type.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %s, Content-Type %q", url, res.Status, res.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// publishedKey fetches the issuer's key set through its discovery document,
// as a verifier does, and returns its one key.
func publishedKey(t *testing.T, iss *Issuer) (kid string, pub *rsa.PublicKey) {
	t.Helper()
	var doc struct {
		JWKsURI string `json:"jwks_uri"`
	}
	getJSON(t, iss.URL()+"/.well-known/openid-configuration", &doc)
	var set struct{ Keys []jwk }
	getJSON(t, doc.JWKsURI, &set)
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	n, err := b64.DecodeString(k.N)
	if err != nil {
		t.Fatalf("n: %v", err)
	}
	e, err := b64.DecodeString(k.E)
	if err != nil {
		t.Fatalf("e: %v", err)
	}
	return k.Kid, &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
}

// verify checks token as a verifier does, by hand: three base64url parts
// without padding, an RS256 header naming the key kid, and an
// RSASSA-PKCS1-v1_5 SHA-256 signature by pub over the first two parts. It
// returns the claims.
func verify(token, kid string, pub *rsa.PublicKey) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not three parts")
	}
	var raw [3][]byte
	for n, p := range parts {
		if strings.ContainsAny(p, "=+/") {
			return nil, errors.New("not base64url without padding: " + p)
		}
		b, err := b64.DecodeString(p)
		if err != nil {
			return nil, err
		}
		raw[n] = b
	}
	var header map[string]string
	if err := json.Unmarshal(raw[0], &header); err != nil {
		return nil, err
	}
	if want := map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid}; !reflect.DeepEqual(header, want) {
		return nil, errors.New("header " + string(raw[0]))
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], raw[2]); err != nil {
		return nil, err
	}
	var c map[string]any
	if err := json.Unmarshal(raw[1], &c); err != nil {
		return nil, err
	}
	return c, nil
}

func TestDiscovery(t *testing.T) {
	iss := start(t)
	if !strings.HasPrefix(iss.URL(), "http://127.0.0.1:") || strings.HasSuffix(iss.URL(), ":0") {
		t.Fatalf("URL = %q, want http://127.0.0.1:<port>", iss.URL())
	}
	var doc map[string]any
	getJSON(t, iss.URL()+"/.well-known/openid-configuration", &doc)
	want := map[string]any{
		"issuer":                                iss.URL(),
		"jwks_uri":                              iss.URL() + "/jwks",
		"token_endpoint":                        iss.URL() + "/token",
		"id_token_signing_alg_values_supported": []any{"RS256"},
		"grant_types_supported":                 []any{"client_credentials"},
		"token_endpoint_auth_methods_supported": []any{"client_secret_basic", "client_secret_post"},
		"response_types_supported":              []any{"token"},
		"subject_types_supported":               []any{"public"},
	}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("discovery document:\n got %v\nwant %v", doc, want)
	}
}

func TestJWKS(t *testing.T) {
	iss := start(t)
	var set struct{ Keys []map[string]string }
	getJSON(t, iss.URL()+"/jwks", &set)
	if len(set.Keys) != 1 {
		t.Fatalf("%d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	for member, want := range map[string]string{"kty": "RSA", "use": "sig", "alg": "RS256", "e": "AQAB"} {
		if k[member] != want {
			t.Errorf("%s = %q, want %q", member, k[member], want)
		}
	}
	if n, err := b64.DecodeString(k["n"]); err != nil || len(n) != 256 {
		t.Errorf("n: %d bytes, %v; want a 2048-bit modulus", len(n), err)
	}
	if k["kid"] == "" || len(k) != 6 {
		t.Errorf("key %v: want kty, use, alg, kid, n, e", k)
	}

	// a new issuer has a new key, under a new kid
	other := start(t)
	kid, _ := publishedKey(t, other)
	if kid == k["kid"] {
		t.Errorf("two issuers publish the same kid %s", kid)
	}
}

func TestTokenVerifiesWithPublishedKey(t *testing.T) {
	iss := start(t, WithAudience("fga"), WithLifetime(10*time.Minute))
	kid, pub := publishedKey(t, iss)
	before := time.Now().Unix()
	c, err := verify(iss.Token("svc", ""), kid, pub)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().Unix()
	if c["iss"] != iss.URL() || c["sub"] != "svc" || c["client_id"] != "svc" || c["aud"] != "fga" {
		t.Errorf("claims %v", c)
	}
	iat, nbf, exp := c["iat"].(float64), c["nbf"].(float64), c["exp"].(float64)
	if int64(iat) < before || int64(iat) > after || nbf != iat || exp != iat+600 {
		t.Errorf("iat %v nbf %v exp %v, want iat now, nbf = iat, exp = iat + 600", iat, nbf, exp)
	}

	if c, err := verify(iss.Token("svc", "other"), kid, pub); err != nil || c["aud"] != "other" {
		t.Errorf("Token for audience other: %v %v", c, err)
	}
}

func TestNoDefaultAudience(t *testing.T) {
	iss := start(t)
	kid, pub := publishedKey(t, iss)
	c, err := verify(iss.Token("svc", ""), kid, pub)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c["aud"]; ok {
		t.Errorf("aud %v, want none without a default audience", c["aud"])
	}
}

func TestNegativeTokens(t *testing.T) {
	iss := start(t, WithAudience("fga"), WithAlias("http://alias.test"))
	kid, pub := publishedKey(t, iss)

	c, err := verify(iss.AliasToken("svc", ""), kid, pub)
	if err != nil || c["iss"] != "http://alias.test" || c["aud"] != "fga" {
		t.Errorf("AliasToken: %v %v, want a good signature and iss http://alias.test", c, err)
	}

	c, err = verify(iss.ExpiredToken("svc", ""), kid, pub)
	if err != nil {
		t.Fatalf("ExpiredToken: %v, want a good signature", err)
	}
	if exp := int64(c["exp"].(float64)); exp >= time.Now().Unix() {
		t.Errorf("ExpiredToken exp %d is not in the past", exp)
	}
	if c["iss"] != iss.URL() || c["aud"] != "fga" {
		t.Errorf("ExpiredToken claims %v: only exp should be wrong", c)
	}

	if _, err := verify(iss.ForeignToken("svc", ""), kid, pub); !errors.Is(err, rsa.ErrVerification) {
		t.Errorf("ForeignToken: %v, want the signature refused under the published kid", err)
	}
}

func TestAliasTokenWithoutAlias(t *testing.T) {
	iss := start(t)
	defer func() {
		if recover() == nil {
			t.Error("AliasToken without WithAlias did not panic")
		}
	}()
	iss.AliasToken("svc", "")
}

func TestClose(t *testing.T) {
	iss, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.Close(); err != nil {
		t.Fatal(err)
	}
	if res, err := http.Get(iss.URL() + "/jwks"); err == nil {
		res.Body.Close()
		t.Error("the issuer still serves after Close")
	}
}

func TestReachable(t *testing.T) {
	for _, c := range []struct {
		addr net.TCPAddr
		want string
	}{
		{net.TCPAddr{IP: net.IPv4(10, 1, 2, 1), Port: 4000}, "10.1.2.1:4000"},
		{net.TCPAddr{IP: net.IPv6loopback, Port: 4000}, "[::1]:4000"},
		{net.TCPAddr{IP: net.IPv6unspecified, Port: 4000}, "127.0.0.1:4000"},
		{net.TCPAddr{IP: net.IPv4zero, Port: 4000}, "127.0.0.1:4000"},
	} {
		if got := reachable(&c.addr); got != c.want {
			t.Errorf("reachable(%v) = %q, want %q", &c.addr, got, c.want)
		}
	}
}
