package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/grading"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var (
	pageTemplate      = template.Must(template.ParseFS(templateFS, "templates/page.html"))
	statementTemplate = template.Must(template.ParseFS(templateFS, "templates/accessibilite.html"))
)

// defaultReferentiel is the embedded referentiel, loaded once.
var defaultReferentiel = sync.OnceValues(grading.Default)

// Config is what the pages show besides what the API gives. Every field
// documents its zero value.
type Config struct {
	// Referentiel gives the labels the pages show: written modalities and
	// their elements, blocs, competences. It must be the one the API and
	// the workers use (--referentiel). Nil: the embedded one.
	Referentiel *dossier.Referentiel
	// Certifier names the certification body on the accessibility
	// statement. Empty: « l'organisme certificateur ».
	Certifier string
	// Contact is whom people ask for a login link or for help (an
	// address, a service and its telephone), shown when nobody is signed
	// in and on the accessibility statement. Empty: not shown.
	Contact string
}

// Handler returns the pages with the embedded referentiel: New(Config{}).
func Handler() http.Handler { return New(Config{}) }

// New returns the pages: "/" (the page of the caller's role, chosen in
// the browser from GET /api/v1/me), the accessibility statement
// ("/accessibilite") and the assets under "/static/". Mount it beside the
// API handler: /api/, /login, /logout, /verify, /healthz and /readyz go to
// the API, the rest here.
func New(cfg Config) http.Handler {
	if cfg.Referentiel == nil {
		ref, err := defaultReferentiel()
		if err != nil {
			// The embedded referentiel is validated by grading's tests;
			// should it fail, the pages say so rather than the process
			// dying.
			slog.Error("web: load referentiel", "err", err)
			return newHandler(nil, cfg)
		}
		cfg.Referentiel = &ref.Referentiel
	}
	return newHandler(cfg.Referentiel, cfg)
}

// pageCSP is the content security policy of the pages: nothing but their
// own script and style.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// newHandler serves the pages with ref's labels; nil ref answers 500.
func newHandler(ref *dossier.Referentiel, cfg Config) http.Handler {
	mux := http.NewServeMux()
	var page, statement []byte
	if cfg.Certifier == "" {
		cfg.Certifier = "l'organisme certificateur"
	}
	if ref != nil {
		words := maps.Clone(texts)
		if cfg.Contact != "" {
			words["notLoggedIn"] += " " + strings.Replace(words["contactIs"], "%s", cfg.Contact, 1)
		}
		var buf bytes.Buffer
		if err := pageTemplate.Execute(&buf, pageData{Ref: labelsOf(ref), Text: words}); err != nil {
			slog.Error("web: render page", "err", err)
		} else {
			page = buf.Bytes()
		}
		buf = bytes.Buffer{}
		if err := statementTemplate.Execute(&buf, cfg); err != nil {
			slog.Error("web: render statement", "err", err)
		} else {
			statement = buf.Bytes()
		}
	}
	serve := func(body *[]byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Cache-Control", "no-store")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Content-Security-Policy", pageCSP)
			if *body == nil {
				http.Error(w, "Le service est indisponible : réessayez plus tard.", http.StatusInternalServerError)
				return
			}
			h.Set("Content-Type", "text/html; charset=utf-8")
			w.Write(*body)
		}
	}
	mux.HandleFunc("GET /{$}", serve(&page))
	mux.HandleFunc("GET /accessibilite", serve(&statement))
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
	return mux
}

// pageData is what the page template renders: the referentiel's labels
// and the words of the page, both as JSON for the script.
type pageData struct {
	Ref  Labels
	Text map[string]string
}

// Labels is the part of the referentiel the pages show, rendered into the
// page as JSON.
type Labels struct {
	// Modalities are the written modalities, the documents a candidate
	// uploads, in referentiel order.
	Modalities []ModalityLabels `json:"modalities"`
	// ModalityTitles names every modality, written or not: "E4" →
	// "Mise en situation professionnelle…".
	ModalityTitles map[string]string `json:"modality_titles"`
	// Blocs are the blocs, in referentiel order, each with its
	// competences: the decisions form shows them all, since the jury
	// decides on every competence, written or oral.
	Blocs []BlocLabel `json:"blocs"`
	// Competences are every competence, in referentiel order.
	Competences []CompetenceLabel `json:"competences"`
}

// ModalityLabels names a written modality and its elements.
type ModalityLabels struct {
	Code     string                  `json:"code"`
	Title    string                  `json:"title"`
	Elements map[string]ElementLabel `json:"elements"` // by element id
}

// ElementLabel is an element as a candidate or an assessor reads it.
type ElementLabel struct {
	Label       string   `json:"label"`
	Missing     string   `json:"missing"` // what the candidate can do
	Competences []string `json:"competences"`
}

// BlocLabel is a bloc as the decisions form heads it.
type BlocLabel struct {
	Code        string   `json:"code"`
	Title       string   `json:"title"`
	Competences []string `json:"competences"`
}

// CompetenceLabel is a competence as the decisions form shows it.
type CompetenceLabel struct {
	Code  string `json:"code"`
	Label string `json:"label"` // "C1 (B1.1)"
	Text  string `json:"text"`
	Bloc  string `json:"bloc"`
	// Modalities are the modalities that evaluate it; Written those of
	// them a document carries (the checker's findings apply).
	Modalities []string `json:"modalities"`
	Written    []string `json:"written"`
}

// labelsOf takes from ref what the pages show.
func labelsOf(ref *dossier.Referentiel) Labels {
	l := Labels{Modalities: []ModalityLabels{}, ModalityTitles: map[string]string{}, Blocs: []BlocLabel{}, Competences: []CompetenceLabel{}}
	written := map[string]bool{}
	for _, m := range ref.Modalities {
		l.ModalityTitles[m.Code] = m.Title
		if !m.Written {
			continue
		}
		written[m.Code] = true
		ml := ModalityLabels{Code: m.Code, Title: m.Title, Elements: map[string]ElementLabel{}}
		for _, e := range m.Elements {
			cs := e.Competences
			if cs == nil {
				cs = []string{}
			}
			ml.Elements[e.ID] = ElementLabel{Label: e.Label, Missing: e.Missing, Competences: cs}
		}
		l.Modalities = append(l.Modalities, ml)
	}
	for _, b := range ref.Blocs {
		cs := b.Competences
		if cs == nil {
			cs = []string{}
		}
		l.Blocs = append(l.Blocs, BlocLabel{Code: b.Code, Title: b.Title, Competences: cs})
	}
	for _, c := range ref.Competences {
		ws := []string{}
		for _, m := range c.Modalities {
			if written[m] {
				ws = append(ws, m)
			}
		}
		ms := c.Modalities
		if ms == nil {
			ms = []string{}
		}
		l.Competences = append(l.Competences, CompetenceLabel{Code: c.Code, Label: c.Label(), Text: c.Text, Bloc: c.Bloc, Modalities: ms, Written: ws})
	}
	return l
}
