package apiclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dossier-cert/dossier/httpapi/apiclient"
)

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"auth":"`+r.Header.Get("Authorization")+`","type":"`+r.Header.Get("Content-Type")+`","body":`+string(body)+`}`)
		case "/raw":
			w.Write(append([]byte("got:"), body...))
		default:
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"error":{"code":"conflict","message":"La session existe déjà."}}`)
		}
	}))
	defer srv.Close()
	c := apiclient.New(srv.URL+"/", nil)
	ctx := context.Background()

	var echo struct {
		Auth, Type string
		Body       map[string]int
	}
	if err := c.Do(ctx, "tok", "POST", "/echo", "", map[string]int{"n": 7}, &echo); err != nil {
		t.Fatal(err)
	}
	if echo.Auth != "Bearer tok" || echo.Type != "application/json" || echo.Body["n"] != 7 {
		t.Errorf("echo %+v", echo)
	}
	var raw []byte
	if err := c.Do(ctx, "tok", "PUT", "/raw", "application/pdf", []byte("%PDF"), &raw); err != nil || string(raw) != "got:%PDF" {
		t.Errorf("raw %q, %v", raw, err)
	}
	err := c.Do(ctx, "tok", "POST", "/sessions", "", map[string]string{}, nil)
	var ae *apiclient.Error
	if !errors.As(err, &ae) || ae.Status != 409 || ae.Code != "conflict" || err.Error() != "POST /sessions : 409 La session existe déjà." {
		t.Errorf("error %v (%#v)", err, ae)
	}
}
