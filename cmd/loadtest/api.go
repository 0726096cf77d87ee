package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/dossier-cert/dossier/httpapi/apiclient"
)

// newAPIClient returns a client of the API at base keeping conns
// connections open.
func newAPIClient(base string, conns int) *apiclient.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns
	return apiclient.New(base, &http.Client{Transport: tr, Timeout: 2 * time.Minute})
}

// transient reports whether a request that failed with err is worth
// sending again: the connection failed, or the API said it is unavailable.
func transient(err error) bool {
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		return ae.Status == http.StatusServiceUnavailable || ae.Status == http.StatusTooManyRequests || ae.Status >= 500
	}
	return err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

func sessionPath(session string) string { return "/api/v1/sessions/" + session }

func documentPath(session, candidate, modality string) string {
	return sessionPath(session) + "/candidates/" + candidate + "/documents/" + modality
}
