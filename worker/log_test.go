package worker_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/worker"
)

// lockedBuffer is a bytes.Buffer safe for the logger.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestTaskLog: a document task writes one JSON line, with the document,
// the stage it reached, its duration and outcome, and nothing of the
// candidate's identity or the document's text.
func TestTaskLog(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	if _, err := records.Create(ctx, dossier.CandidateKey(session, cand), dossier.Candidate{
		ID: cand, LastName: "Martin-Logtest", FirstNames: []string{"Camille"}, BirthDate: "1990-04-12"}); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	cfg := config(t, blobs, records)
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	proc, err := worker.NewProcessor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
	if err := proc.ProcessDocument(ctx, documentTask(t, p)); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		if m["msg"] == "task" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d task lines, want 1:\n%s", len(lines), logs.b.String())
	}
	l := lines[0]
	for k, want := range map[string]any{"type": worker.TypeProcessDocument, "session": session, "candidate": cand,
		"modality": "E5", "stage": "ready", "outcome": "ready"} {
		if l[k] != want {
			t.Errorf("%s = %v, want %v", k, l[k], want)
		}
	}
	if d, ok := l["duration"].(float64); !ok || d <= 0 {
		t.Errorf("duration %v", l["duration"])
	}
	// The candidate's name and the document's words stay out of the logs.
	text := logs.b.String()
	for _, private := range []string{"Martin-Logtest", "Camille", "portefeuille"} {
		if strings.Contains(text, private) {
			t.Errorf("the log holds %q:\n%s", private, text)
		}
	}
}
