package web

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
)

// TestLabelsEscaped: a referentiel label with markup stays data inside
// the page's JSON script element.
func TestLabelsEscaped(t *testing.T) {
	evil := `</script><script>alert("x")</script><!--`
	ref := &dossier.Referentiel{Modalities: []dossier.Modality{{Code: "E9", Title: evil, Written: true,
		Elements: []dossier.Element{{ID: "a", Label: evil, Missing: "à faire & <refaire>"}}}}}
	srv := httptest.NewServer(newHandler(ref, Config{}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if strings.Contains(page, `<script>alert`) || strings.Contains(page, "<!--") {
		t.Fatalf("markup leaked into the page:\n%s", page)
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="referentiel">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no referentiel script element")
	}
	var l Labels
	if err := json.Unmarshal([]byte(m[1]), &l); err != nil {
		t.Fatal(err)
	}
	if got := l.Modalities[0].Elements["a"]; got.Label != evil || got.Missing != "à faire & <refaire>" {
		t.Errorf("label round trip: %+v", got)
	}
}

func TestNoReferentiel(t *testing.T) {
	srv := httptest.NewServer(newHandler(nil, Config{}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Errorf("status %d, want 500", resp.StatusCode)
	}
}
