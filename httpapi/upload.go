package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// formatFiles gives each format its file extension in storage keys and the
// content type it is stored with.
var formatFiles = map[dossier.Format]struct{ ext, contentType string }{
	dossier.FormatPDF:  {"pdf", "application/pdf"},
	dossier.FormatDOCX: {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	dossier.FormatODT:  {"odt", "application/vnd.oasis.opendocument.text"},
	dossier.FormatText: {"txt", "text/plain"},
}

// formatOfExt is the reverse of formatFiles' extensions.
func formatOfExt(ext string) (dossier.Format, bool) {
	for f, ff := range formatFiles {
		if ff.ext == ext {
			return f, true
		}
	}
	return "", false
}

// sniffSize is how much of the start of a file extract.Sniff looks at.
const sniffSize = 2048

// multipartSlack is what a multipart body may hold besides the file:
// boundaries, part headers, small fields.
const multipartSlack = 64 << 10

// upload is a document received through the server, spooled to a
// temporary file while it was hashed, counted and sniffed.
type upload struct {
	file   *os.File
	size   int64
	sha256 string // lower-case hex
	format dossier.Format
	name   string // as the client sent it
}

// Close removes the temporary file.
func (u *upload) Close() {
	u.file.Close()
	os.Remove(u.file.Name())
}

// receive reads the document of an upload request: the raw body (file name
// in a "filename" query parameter or a Content-Disposition header), or the
// "file" part of a multipart/form-data body. Anything over
// Config.MaxUploadBytes is refused before it is read when the request
// declares its length, and as soon as the limit is passed otherwise.
func (s *Server) receive(w http.ResponseWriter, r *http.Request) (*upload, error) {
	limit := s.cfg.MaxUploadBytes
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if r.ContentLength > limit {
			return nil, tooLarge(limit)
		}
		u, err := s.spool(r.Body, limit)
		if err != nil {
			return nil, err
		}
		u.name = r.URL.Query().Get("filename")
		if u.name == "" {
			if _, p, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
				u.name = p["filename"]
			}
		}
		return u, nil
	}
	if r.ContentLength > limit+multipartSlack {
		return nil, tooLarge(limit)
	}
	if params["boundary"] == "" {
		return nil, invalid("Formulaire mal formé : pas de délimiteur (boundary) dans Content-Type.")
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, limit+multipartSlack), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, invalid("Le formulaire n'a pas de champ « file » : joignez-y votre document.")
		}
		if err != nil {
			return nil, readError(err, limit)
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		u, err := s.spool(part, limit)
		if err != nil {
			return nil, err
		}
		u.name = part.FileName()
		return u, nil
	}
}

// readError says why reading an upload failed.
func readError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge(limit)
	}
	return &dossier.Error{Code: dossier.EInvalid, Err: err,
		Message: "L'envoi du fichier a été interrompu ou est mal formé : recommencez."}
}

// spool copies src, up to limit bytes, to a temporary file, hashing and
// counting it and keeping its first bytes to sniff its format. The file is
// rewound; the caller closes the upload.
func (s *Server) spool(src io.Reader, limit int64) (*upload, error) {
	f, err := os.CreateTemp(s.cfg.TempDir, "dossier-upload-*")
	if err != nil {
		return nil, unavailable(fmt.Errorf("spool upload: %w", err))
	}
	u := &upload{file: f}
	h := sha256.New()
	head := &headBuffer{}
	n, err := io.Copy(io.MultiWriter(f, h, head), io.LimitReader(src, limit+1))
	switch {
	case err != nil:
		u.Close()
		return nil, readError(err, limit)
	case n > limit:
		u.Close()
		return nil, tooLarge(limit)
	}
	format, err := extract.Sniff(head.b)
	if err != nil {
		u.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		u.Close()
		return nil, unavailable(fmt.Errorf("spool upload: %w", err))
	}
	u.size, u.sha256, u.format = n, hex.EncodeToString(h.Sum(nil)), format
	return u, nil
}

// headBuffer keeps the first sniffSize bytes written to it.
type headBuffer struct{ b []byte }

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := sniffSize - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// maxFileName bounds a kept file name, in bytes.
const maxFileName = 200

// cleanFileName keeps the base name a client gave a file, without control
// characters, at most maxFileName bytes; with no usable name, "document"
// and the format's extension.
func cleanFileName(name string, format dossier.Format) string {
	// Some browsers send the whole path, with either separator.
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		// Control and format characters (a right-to-left override can
		// make "exe.pdf" of "fdp.exe") are dropped.
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > maxFileName {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "document." + formatFiles[format].ext
	}
	return name
}

// formatOf reads the format a client declares for a presigned upload: its
// content type, or else its file name's extension.
func formatOf(contentType, fileName string) (dossier.Format, error) {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err == nil {
			for f, ff := range formatFiles {
				if ff.contentType == mt {
					return f, nil
				}
			}
		}
		return "", unsupported(contentType)
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(fileName), "."))
	if f, ok := formatOfExt(ext); ok {
		return f, nil
	}
	return "", unsupported("extension « ." + ext + " »")
}

// unsupported is the unsupported_format error of a declared type, worded
// as extract words those of sniffed files.
func unsupported(what string) error {
	return dossier.Errorf(dossier.EUnsupportedFormat,
		"Ce fichier n'est pas un format accepté (%s). Déposez votre document en PDF, DOCX (Word) ou ODT (LibreOffice) : depuis votre traitement de texte, utilisez « Enregistrer sous » ou « Exporter en PDF ».", what)
}

// checkSHA256 returns a declared SHA-256 in lower-case hex.
func checkSHA256(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if b, err := hex.DecodeString(s); err != nil || len(b) != sha256.Size {
		return "", invalid("Empreinte SHA-256 invalide : 64 chiffres hexadécimaux attendus.")
	}
	return s, nil
}
