package oidctest

import (
	"errors"
	"net/http"
	"net/url"
	"time"
)

// token is the token endpoint: the OAuth2 client-credentials grant. The
// client authenticates with its id and secret in HTTP Basic auth or in the
// form, and may name the audience it wants the token for.
func (i *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, ok, err := credentials(r)
	switch {
	case err != nil:
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	case !ok || !i.knows(id, secret):
		// the challenge tells a client that tried the form to use Basic
		w.Header().Set("WWW-Authenticate", `Basic realm="oidctest"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	// an access token must not be cached by anything between the client
	// and here, as a cached one would be handed to whoever asks next
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": i.Token(id, r.PostForm.Get("audience")),
		"token_type":   "Bearer",
		"expires_in":   int64(i.lifetime / time.Second),
	})
}

var errBothAuth = errors.New("client credentials both in Basic auth and in the form")

// credentials are the client id and secret of r, from HTTP Basic auth or
// else the form; ok is false when r carries none. Using both at once is an
// error, as the two could name different clients.
func credentials(r *http.Request) (id, secret string, ok bool, err error) {
	formID, formSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	id, secret, basic := r.BasicAuth()
	if !basic {
		return formID, formSecret, formID != "", nil
	}
	if formSecret != "" {
		return "", "", false, errBothAuth
	}
	// clients form-encode the id and secret before putting them in Basic
	// auth, so a secret with ":" or "%" arrives escaped
	if id, err = url.QueryUnescape(id); err != nil {
		return "", "", false, err
	}
	if secret, err = url.QueryUnescape(secret); err != nil {
		return "", "", false, err
	}
	return id, secret, true, nil
}

// knows is whether id is a registered client with this secret.
func (i *Issuer) knows(id, secret string) bool {
	want, ok := i.clients[id]
	return ok && secret == want
}

func oauthError(w http.ResponseWriter, code int, name string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, code, map[string]string{"error": name})
}
