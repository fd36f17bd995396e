package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
)

// b64 is the base64url without padding that every part of a JWT and every
// number of a JWK is written in.
var b64 = base64.RawURLEncoding

// claims are the claims of the access tokens the issuer signs.
type claims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud,omitempty"`
	// ClientID repeats the subject under the claim OpenFGA reads the client
	// id of a token from (it falls back to it when there is no "azp").
	ClientID  string `json:"client_id"`
	IssuedAt  int64  `json:"iat"`
	NotBefore int64  `json:"nbf"`
	Expires   int64  `json:"exp"`
}

// sign is the compact RS256 JWT of c signed with key under kid.
func sign(key *rsa.PrivateKey, kid string, c claims) string {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	if err != nil {
		panic(err)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		// only a key too small for a SHA-256 digest fails, and the keys
		// here are generated at 2048 bits
		panic(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

// jwk is the public half of an RSA signing key as a JSON Web Key.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func publicJWK(pub *rsa.PublicKey) jwk {
	n, e := rsaNumbers(pub)
	return jwk{Kty: "RSA", Use: "sig", Alg: "RS256", Kid: thumbprint(pub), N: n, E: e}
}

// rsaNumbers are the modulus and exponent of pub as a JWK writes them:
// big-endian bytes with no leading zeros, base64url.
func rsaNumbers(pub *rsa.PublicKey) (n, e string) {
	return b64.EncodeToString(pub.N.Bytes()), b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
}

// thumbprint is the SHA-256 thumbprint of pub's JWK (its required members
// in lexical order, no spaces), used as the key id so that the kid names
// the key itself and changes with it.
func thumbprint(pub *rsa.PublicKey) string {
	n, e := rsaNumbers(pub)
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return b64.EncodeToString(sum[:])
}
