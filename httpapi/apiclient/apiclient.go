// Package apiclient calls dossier's HTTP API from Go, as its clients do:
// a bearer token, JSON or raw bodies, and the API's error answers as
// *Error. The demo command and the load test use it; it holds no logic of
// the API, whose routes are in package httpapi.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/dossier-cert/dossier"
)

// Client calls the API at Base ("http://127.0.0.1:8080") with HTTP
// (http.DefaultClient when nil).
type Client struct {
	Base string
	HTTP *http.Client
}

// New returns a Client of the API at base, through hc (nil: the default
// client).
func New(base string, hc *http.Client) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: hc}
}

// Error is an error answer of the API: its status, and the code and
// message of its body.
type Error struct {
	Method, Path string
	Status       int
	Code         string
	Message      string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s %s : %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("%s %s : %d %s", e.Method, e.Path, e.Status, e.Message)
}

// Do sends body with token: []byte as it is, anything else but nil as JSON
// (contentType then defaults to application/json). It decodes the answer
// into out: *[]byte gets the bytes, anything else but nil the JSON. An
// answer of 300 or more is an *Error; a request that could not be sent
// is the transport's error.
func (c *Client) Do(ctx context.Context, token, method, path, contentType string, body, out any) error {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(j)
		if contentType == "" {
			contentType = "application/json"
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error dossier.Error `json:"error"`
		}
		json.Unmarshal(data, &e)
		return &Error{Method: method, Path: path, Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*o = data
		return nil
	default:
		return json.Unmarshal(data, out)
	}
}
