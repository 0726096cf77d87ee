package httpapi

import (
	"html/template"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
)

// Pages for people in a browser: the verification of an attestation, and
// the messages of a login link that failed. Everything else is JSON.

// wantsHTML reports whether the client prefers text/html to JSON.
func wantsHTML(r *http.Request) bool {
	var html, js float64
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		switch mt {
		case "text/html":
			html = max(html, q)
		case "application/json":
			js = max(js, q)
		}
	}
	return html > js
}

type verifyPage struct {
	Title string
	Class string
	View  verifyView
}

var kindLabels = map[dossier.AttestationKind]string{
	dossier.KindTitle:     "Attestation d'obtention du titre",
	dossier.KindPartial:   "Attestation de validation partielle (blocs de compétences)",
	dossier.KindStatement: "Relevé de décisions (aucun bloc de compétences validé)",
}

// pageHead is the start of every page: French, no external resource.
const pageHead = `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}
.status{padding:1rem;border-radius:.5rem;font-weight:600}
.valid{background:#e6f4ea;border:1px solid #1e7e34}
.revoked,.invalid{background:#fdecea;border:1px solid #b3261e}
dt{font-weight:600;margin-top:.75rem}
dd{margin-left:0}
button{font:inherit;font-weight:600;margin-top:.75rem;padding:.6rem 1.1rem;border:0;border-radius:.3rem;background:#0b4f9c;color:#fff;cursor:pointer}
:focus-visible{outline:3px solid #9a5b00;outline-offset:2px}
</style>
</head>
<body>
<main>
`

const pageFoot = `</main>
</body>
</html>
`

// writePage answers a page made by t from data.
func writePage(w http.ResponseWriter, status int, t *template.Template, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = t.Execute(w, data)
}

// messagePage is a page that only says something: a login link that
// failed.
type messagePage struct {
	Title   string
	Message string
}

var messageTemplate = template.Must(template.New("message").Parse(pageHead + `<h1>{{.Title}}</h1>
<p class="status invalid">{{.Message}}</p>
` + pageFoot))

// failPage answers err as a page, for a person in a browser.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, title string, err error) {
	status, _, msg := classify(err)
	noteError(r, status, err)
	writePage(w, status, messageTemplate, messagePage{Title: title, Message: msg})
}

var verifyTemplate = template.Must(template.New("verify").Funcs(template.FuncMap{
	"day": func(s string) string {
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return d.Format("02/01/2006")
		}
		return s
	},
	"date": func(t time.Time) string { return t.In(paris).Format("02/01/2006") },
	"kind": func(k dossier.AttestationKind) string {
		if l, ok := kindLabels[k]; ok {
			return l
		}
		return string(k)
	},
}).Parse(pageHead + `<h1>Vérification d'une attestation</h1>
<p class="status {{.Class}}">{{.Title}}</p>
<p>{{.View.Message}}</p>
{{with .View.Attestation}}
<dl>
<dt>Nature du document</dt><dd>{{kind .Kind}}</dd>
<dt>Numéro</dt><dd>{{.Number}}</dd>
<dt>Titulaire</dt><dd>{{.Candidate.Name}}{{if .Candidate.BirthDate}}, né(e) le {{day .Candidate.BirthDate}}{{end}}</dd>
<dt>Certification</dt><dd>{{.Certification.Title}}{{if .Certification.Code}} ({{.Certification.Code}}){{end}}</dd>
{{if .Blocs}}<dt>Blocs de compétences validés</dt>
<dd><ul>{{range .Blocs}}<li>{{if .RNCPCode}}{{.RNCPCode}} · {{end}}{{.Code}} – {{.Title}} (validé le {{day .ValidatedOn}})</li>{{end}}</ul></dd>{{end}}
<dt>Date du jury</dt><dd>{{day .JuryDate}}</dd>
<dt>Délivrée par</dt><dd>{{.Certifier}}, le {{date .IssuedAt}}{{if .Place}}, à {{.Place}}{{end}}</dd>
{{if .Signatory.Name}}<dt>Signataire</dt><dd>{{.Signatory.Name}}{{if .Signatory.Role}}, {{.Signatory.Role}}{{end}}</dd>{{end}}
{{if .Supersedes}}<dt>Remplace</dt><dd>l'attestation n° {{.Supersedes}}</dd>{{end}}
</dl>
{{end}}
{{with .View.Seal}}
<dl>
<dt>Fichier PDF</dt><dd>intact, signé électroniquement par {{.Signer}}{{if not .SignedAt.IsZero}} le {{date .SignedAt}}{{end}}</dd>
</dl>
{{end}}
{{with .View.Revocation}}
<dl>
<dt>Révocation</dt><dd>{{if not .Date.IsZero}}le {{date .Date}}{{end}}{{if .Reason}} : {{.Reason}}{{end}}</dd>
</dl>
{{end}}
` + pageFoot))
