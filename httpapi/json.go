package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/dossier-cert/dossier"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// The status is sent: an encoding error can only be a broken
	// connection, which the log line shows through the byte count.
	_ = json.NewEncoder(w).Encode(v)
}

// decodeJSON reads the request body, one JSON value of at most limit bytes
// (maxJSONBody when 0), into v, refusing unknown fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return dossier.Errorf(dossier.EUnsupportedFormat, "Le corps de la requête doit être du JSON (Content-Type: application/json).")
		}
	}
	if limit == 0 {
		limit = maxJSONBody
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return invalid("Le corps de la requête doit contenir une seule valeur JSON.")
	}
	return nil
}

// jsonError says in French what is wrong with a JSON body.
func jsonError(err error) error {
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, io.EOF):
		return invalid("Le corps de la requête est vide : une valeur JSON est attendue.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("Le JSON de la requête est incomplet.")
	case errors.As(err, &syntax):
		return invalid("Le JSON de la requête est mal formé (octet %d).", syntax.Offset)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return invalid("Le JSON de la requête n'a pas la forme attendue (%s attendu).", typeName(typeErr.Type.Kind().String()))
		}
		return invalid("Champ « %s » : valeur de type inattendu (%s attendu).", typeErr.Field, typeName(typeErr.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalid("Champ inconnu dans la requête : %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	// Values whose own decoding failed (a date that is not RFC 3339…).
	return &dossier.Error{Code: dossier.EInvalid, Err: err,
		Message: "Le JSON de la requête contient une valeur invalide (les dates s'écrivent 2026-06-30T14:00:00Z)."}
}

func typeName(kind string) string {
	switch kind {
	case "string":
		return "texte"
	case "slice", "array":
		return "liste"
	case "struct", "map":
		return "objet"
	case "bool":
		return "booléen"
	case "int", "int64", "int32", "float64", "float32", "uint", "uint64":
		return "nombre"
	}
	return kind
}
