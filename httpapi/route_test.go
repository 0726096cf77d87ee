package httpapi_test

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/dossier-cert/dossier/httpapi"
	"github.com/dossier-cert/dossier/s3store/s3test"
)

// TestRoute: Route names requests by their pattern, never their path.
func TestRoute(t *testing.T) {
	store := s3test.NewStore(t, s3test.Embedded(t))
	s, err := httpapi.New(httpapi.Config{Blobs: store.Blobs(), Records: store.Records(), Queue: &fakeQueue{},
		TokenSecrets: [][]byte{bytes.Repeat([]byte("k"), 32)}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/api/v1/sessions/s1/candidates/042", "GET /api/v1/sessions/{session}/candidates/{candidate}"},
		{"PUT", "/api/v1/sessions/s1/candidates/042/documents/E5", "PUT /api/v1/sessions/{session}/candidates/{candidate}/documents/{modality}"},
		{"GET", "/verify/ABC", "GET /verify/{code}"},
		{"GET", "/nowhere/042", ""},
		{"DELETE", "/api/v1/me", ""},
		{"CONNECT", "/api/v1/me", ""},
	} {
		if got := s.Route(httptest.NewRequest(tc.method, tc.path, nil)); got != tc.want {
			t.Errorf("Route(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}
