package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
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

	spool    *spoolSpace
	reserved int64 // bytes of spool taken
}

// Close removes the temporary file and gives back its room in the spool.
func (u *upload) Close() {
	u.file.Close()
	os.Remove(u.file.Name())
	u.spool.release(u.reserved)
	u.reserved = 0
}

// spoolSpace counts the bytes being spooled by all uploads at once,
// against Config.MaxSpoolBytes.
type spoolSpace struct {
	limit int64
	mu    sync.Mutex
	used  int64
}

// reserve takes n bytes of room, or reports that there is not enough.
func (sp *spoolSpace) reserve(n int64) bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.used+n > sp.limit {
		return false
	}
	sp.used += n
	return true
}

func (sp *spoolSpace) release(n int64) {
	sp.mu.Lock()
	sp.used -= n
	sp.mu.Unlock()
}

// spoolWriter writes to an upload's temporary file within the room of the
// spool. Its errors are the server's, not the client's: errSpoolFull, or
// the file's (ENOSPC, a quota, an I/O error), wrapped in spoolWriteError.
type spoolWriter struct{ u *upload }

type spoolWriteError struct{ err error }

func (e *spoolWriteError) Error() string { return "spool upload: " + e.err.Error() }
func (e *spoolWriteError) Unwrap() error { return e.err }

// errSpoolFull: the uploads being received hold Config.MaxSpoolBytes.
var errSpoolFull = errors.New("the uploads being received fill Config.MaxSpoolBytes")

func (w spoolWriter) Write(p []byte) (int, error) {
	sp := w.u.spool
	if !sp.reserve(int64(len(p))) {
		return 0, &spoolWriteError{fmt.Errorf("%w (%d of %d bytes in use)", errSpoolFull, sp.usedBytes(), sp.limit)}
	}
	w.u.reserved += int64(len(p))
	n, err := w.u.file.Write(p)
	if err != nil {
		return n, &spoolWriteError{err}
	}
	return n, nil
}

func (sp *spoolSpace) usedBytes() int64 {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.used
}

// tempFull answers an upload the server has no room to receive: 503 with
// Retry-After; err, the cause, is logged with the request.
func tempFull(w http.ResponseWriter, err error) error {
	w.Header().Set("Retry-After", strconv.Itoa(int(spoolRetryAfter.Seconds())))
	return &dossier.Error{Code: dossier.EUnavailable, Err: err,
		Message: "Le serveur reçoit beaucoup de documents en ce moment et n'a plus de place pour le vôtre : réessayez dans quelques minutes."}
}

// spoolRetryAfter is the Retry-After of an upload refused for want of
// room.
const spoolRetryAfter = 2 * time.Minute

// idleReader reads a request body, pushing the connection's read deadline
// idle ahead before each read: a body that stops arriving fails after
// idle, not after the server's whole ReadTimeout, and its spooled file is
// removed. Where the connection has no deadline (HTTP/2 through some
// proxies, tests with a recorder), it reads as it is.
type idleReader struct {
	r    io.Reader
	rc   *http.ResponseController
	idle time.Duration
	ok   bool
}

func newIdleReader(w http.ResponseWriter, r io.Reader, idle time.Duration) *idleReader {
	ir := &idleReader{r: r, rc: http.NewResponseController(w), idle: idle}
	ir.ok = ir.rc.SetReadDeadline(time.Now().Add(idle)) == nil
	return ir
}

func (ir *idleReader) Read(p []byte) (int, error) {
	if ir.ok {
		_ = ir.rc.SetReadDeadline(time.Now().Add(ir.idle))
	}
	return ir.r.Read(p)
}

// done lifts the deadline once the body is read whole: the rest of the
// request (storing, queueing) is bounded by storeTimeout, and the server's
// background read of the connection must not time out meanwhile. After a
// failure the deadline stays: what the server reads of the body before
// answering is bounded by it too.
func (ir *idleReader) done(err error) {
	if ir.ok && err == nil {
		_ = ir.rc.SetReadDeadline(time.Time{})
	}
}

// receive reads the document of an upload request: the raw body (file name
// in a "filename" query parameter or a Content-Disposition header), or the
// "file" part of a multipart/form-data body. Anything over
// Config.MaxUploadBytes is refused before it is read when the request
// declares its length, and as soon as the limit is passed otherwise.
//
// A body that stops arriving for Config.UploadIdleTimeout fails; an upload
// the server has no room for (Config.MaxSpoolBytes reached, or the disk
// full) is answered 503 with Retry-After.
func (s *Server) receive(w http.ResponseWriter, r *http.Request) (*upload, error) {
	u, err := s.receiveBody(w, r)
	var we *spoolWriteError
	if errors.As(err, &we) {
		return nil, tempFull(w, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		s.log.WarnContext(r.Context(), "upload stalled: body idle, spooled file removed",
			"idle_timeout", s.cfg.UploadIdleTimeout.String(), "error", err.Error())
		return nil, &dossier.Error{Code: dossier.EInvalid, Err: err,
			Message: fmt.Sprintf("L'envoi s'est interrompu (rien reçu pendant %s) : vérifiez votre connexion, puis déposez à nouveau votre document.", durationFR(s.cfg.UploadIdleTimeout))}
	}
	return u, err
}

func (s *Server) receiveBody(w http.ResponseWriter, r *http.Request) (_ *upload, err error) {
	limit := s.cfg.MaxUploadBytes
	body := newIdleReader(w, r.Body, s.cfg.UploadIdleTimeout)
	defer func() { body.done(err) }()
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if r.ContentLength > limit {
			return nil, tooLarge(limit)
		}
		u, err := s.spoolUpload(body, limit)
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
	mr := multipart.NewReader(http.MaxBytesReader(w, struct {
		io.Reader
		io.Closer
	}{body, r.Body}, limit+multipartSlack), params["boundary"])
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
		u, err := s.spoolUpload(part, limit)
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

// spoolUpload copies src, up to limit bytes, to a temporary file, hashing and
// counting it and keeping its first bytes to sniff its format. The file is
// rewound; the caller closes the upload.
func (s *Server) spoolUpload(src io.Reader, limit int64) (*upload, error) {
	f, err := os.CreateTemp(s.cfg.TempDir, "dossier-upload-*")
	if err != nil {
		return nil, &spoolWriteError{err}
	}
	u := &upload{file: f, spool: s.spool}
	h := sha256.New()
	head := &headBuffer{}
	n, err := io.Copy(io.MultiWriter(spoolWriter{u}, h, head), io.LimitReader(src, limit+1))
	var we *spoolWriteError
	switch {
	case errors.As(err, &we):
		u.Close()
		return nil, err
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
