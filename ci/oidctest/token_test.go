package oidctest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// postToken POSTs form to the token endpoint, with Basic auth when user is
// not "", and returns the status, the headers and the decoded JSON body.
func postToken(t *testing.T, iss *Issuer, user, pass string, form url.Values) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", iss.URL()+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatalf("token endpoint: %s, body: %v", res.Status, err)
	}
	return res.StatusCode, res.Header, body
}

func TestTokenEndpoint(t *testing.T) {
	const secret = "s3cr:t%" // ":" and "%" must survive Basic auth
	iss := start(t, WithClient("svc", secret), WithClient("other", "x"), WithAudience("fga"), WithLifetime(5*time.Minute))
	kid, pub := publishedKey(t, iss)
	grant := url.Values{"grant_type": {"client_credentials"}}

	for _, c := range []struct {
		name       string
		user, pass string
		form       url.Values
		aud        string
	}{
		// clients form-encode the id and secret in Basic auth
		{"basic", "svc", url.QueryEscape(secret), grant, "fga"},
		{"form", "", "", url.Values{"grant_type": {"client_credentials"}, "client_id": {"svc"}, "client_secret": {secret}}, "fga"},
		{"audience", "svc", url.QueryEscape(secret), url.Values{"grant_type": {"client_credentials"}, "audience": {"api2"}}, "api2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, h, body := postToken(t, iss, c.user, c.pass, c.form)
			if code != http.StatusOK {
				t.Fatalf("%d %v", code, body)
			}
			if body["token_type"] != "Bearer" || body["expires_in"] != 300.0 || len(body) != 3 {
				t.Errorf("response %v, want access_token, token_type Bearer, expires_in 300", body)
			}
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", h.Get("Cache-Control"))
			}
			access, _ := body["access_token"].(string)
			claims, err := verify(access, kid, pub)
			if err != nil {
				t.Fatal(err)
			}
			if claims["iss"] != iss.URL() || claims["sub"] != "svc" || claims["aud"] != c.aud {
				t.Errorf("claims %v, want iss %s, sub svc, aud %s", claims, iss.URL(), c.aud)
			}
			if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp != iat+300 {
				t.Errorf("exp %v, want iat %v + 300", exp, iat)
			}
		})
	}
}

func TestTokenEndpointRefuses(t *testing.T) {
	iss := start(t, WithClient("svc", "secret"))
	grant := url.Values{"grant_type": {"client_credentials"}}
	withForm := func(v url.Values, kv ...string) url.Values {
		out := url.Values{}
		for k, vs := range v {
			out[k] = vs
		}
		for n := 0; n < len(kv); n += 2 {
			out.Set(kv[n], kv[n+1])
		}
		return out
	}
	for _, c := range []struct {
		name       string
		user, pass string
		form       url.Values
		code       int
		err        string
	}{
		{"unknown client", "nobody", "secret", grant, 401, "invalid_client"},
		{"wrong secret", "svc", "guess", grant, 401, "invalid_client"},
		{"wrong secret in the form", "", "", withForm(grant, "client_id", "svc", "client_secret", "guess"), 401, "invalid_client"},
		{"no secret", "", "", withForm(grant, "client_id", "svc"), 401, "invalid_client"},
		{"no credentials", "", "", grant, 401, "invalid_client"},
		{"password grant", "svc", "secret", url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{"authorization code grant", "", "", url.Values{"grant_type": {"authorization_code"}, "client_id": {"svc"}, "client_secret": {"secret"}}, 400, "unsupported_grant_type"},
		{"no grant", "svc", "secret", url.Values{}, 400, "invalid_request"},
		{"two client authentications", "svc", "secret", withForm(grant, "client_id", "svc", "client_secret", "secret"), 400, "invalid_request"},
		{"bad escape in Basic auth", "svc", "100%", grant, 400, "invalid_request"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, h, body := postToken(t, iss, c.user, c.pass, c.form)
			if code != c.code || body["error"] != c.err || len(body) != 1 {
				t.Errorf("%d %v, want %d {error: %s}", code, body, c.code, c.err)
			}
			if _, ok := body["access_token"]; ok {
				t.Error("a refusal carries a token")
			}
			if challenge := h.Get("WWW-Authenticate"); (code == 401) != (challenge != "") {
				t.Errorf("WWW-Authenticate %q on a %d", challenge, code)
			}
		})
	}

	res, err := http.Get(iss.URL() + "/token?grant_type=client_credentials&client_id=svc&client_secret=secret")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /token: %s, want 405", res.Status)
	}
}
