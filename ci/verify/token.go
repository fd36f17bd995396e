package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ClientCredentials gets an access token by OAuth2's client-credentials
// grant, for an OpenFGA that authenticates with OIDC.
type ClientCredentials struct {
	Issuer       string // the OIDC issuer; its discovery document names the token endpoint
	TokenURL     string // the token endpoint, when it is not the discovered one
	ClientID     string
	ClientSecret string // a secret: never in an error
	Audience     string
	HTTP         *http.Client // nil: http.DefaultClient
}

// Token asks the token endpoint for an access token.
func (cc ClientCredentials) Token(ctx context.Context) (string, error) {
	endpoint, err := cc.endpoint(ctx)
	if err != nil {
		return "", err
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cc.ClientID}, "client_secret": {cc.ClientSecret}}
	if cc.Audience != "" {
		form.Set("audience", cc.Audience)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	status, err := cc.getJSON(req, &tok)
	switch {
	case err != nil:
		return "", fmt.Errorf("token endpoint %s: %w", endpoint, err)
	case status != http.StatusOK || tok.AccessToken == "":
		return "", fmt.Errorf("token endpoint %s refused client %s: HTTP %d %s", endpoint, cc.ClientID, status, tok.Error)
	}
	return tok.AccessToken, nil
}

// endpoint is TokenURL, else the issuer's discovered token_endpoint.
func (cc ClientCredentials) endpoint(ctx context.Context) (string, error) {
	if cc.TokenURL != "" {
		return cc.TokenURL, nil
	}
	u := strings.TrimRight(cc.Issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	var doc struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if status, err := cc.getJSON(req, &doc); err != nil || status != http.StatusOK || doc.TokenEndpoint == "" {
		return "", fmt.Errorf("the OIDC issuer's discovery document %s names no token endpoint (HTTP %d, %v): give --verify-token-url", u, status, err)
	}
	return doc.TokenEndpoint, nil
}

func (cc ClientCredentials) getJSON(req *http.Request, out any) (int, error) {
	hc := cc.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err := json.Unmarshal(b, out); err != nil && resp.StatusCode == http.StatusOK {
		return resp.StatusCode, errors.New("not JSON")
	}
	return resp.StatusCode, nil
}
