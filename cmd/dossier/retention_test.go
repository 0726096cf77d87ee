package main

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/s3store"
	"github.com/dossier-cert/dossier/s3store/s3local"
)

// purge deletes what is past its retention and nothing else; candidate
// export writes a zip of the candidate's data; erase removes it.
func TestPurgeAndCandidate(t *testing.T) {
	srv, err := s3local.Start(s3local.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sc := srv.Config()
	t.Setenv("S3_ENDPOINT", sc.Endpoint)
	t.Setenv("S3_BUCKET", sc.Bucket)
	t.Setenv("S3_REGION", sc.Region)
	t.Setenv("S3_ACCESS_KEY", sc.AccessKey)
	t.Setenv("S3_SECRET_KEY", sc.SecretKey)
	ctx := context.Background()
	st, err := s3store.New(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	blobs, records := st.Blobs(), st.Records()
	sha := strings.Repeat("ab", 32)
	doc := dossier.DocumentKey("s1", "c1", "E5", sha, "pdf")
	sheet := dossier.DerivedKey("s1", "c1", "E5", sha, dossier.DerivedSheet)
	for _, k := range []string{doc, sheet} {
		if err := blobs.Put(ctx, k, bytes.NewReader([]byte("%PDF-1.4 x")), 10, "application/pdf"); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().AddDate(-4, 0, 0)
	records.Create(ctx, dossier.CandidateKey("s1", "c1"), dossier.Candidate{ID: "c1", LastName: "Vasseur"})
	records.Create(ctx, dossier.DocumentStateKey("s1", "c1", "E5"), dossier.DocumentRecord{Session: "s1", Candidate: "c1", Modality: "E5",
		Current: dossier.DocumentVersion{SHA256: sha, FileName: "e5.pdf", Size: 10, ReceivedAt: old}, State: dossier.DocReady})

	// Uploads kept 3 years: the upload goes, the sheet (no limit) stays.
	code, out, stderr := runCmd(t, "purge", "--uploads", "26280h", "--dry-run")
	if code != exitOK || !strings.Contains(out, doc) || strings.Contains(out, sheet) {
		t.Fatalf("purge --dry-run: exit %d\n%s%s", code, out, stderr)
	}
	if _, err := blobs.Stat(ctx, doc); err != nil {
		t.Fatalf("a dry run deleted %s: %v", doc, err)
	}
	if code, out, stderr := runCmd(t, "purge", "--uploads", "26280h"); code != exitOK {
		t.Fatalf("purge: exit %d\n%s%s", code, out, stderr)
	}
	if _, err := blobs.Stat(ctx, doc); err == nil {
		t.Errorf("%s still there after purge", doc)
	}
	if _, err := blobs.Stat(ctx, sheet); err != nil {
		t.Errorf("%s purged, but sheets have no limit: %v", sheet, err)
	}

	zipPath := filepath.Join(t.TempDir(), "c1.zip")
	if code, _, stderr := runCmd(t, "candidate", "export", "--session", "s1", "--candidate", "c1", "-o", zipPath); code != exitOK {
		t.Fatalf("candidate export: %s", stderr)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	zr.Close()
	if !strings.Contains(strings.Join(names, " "), sheet) {
		t.Errorf("export holds %v, not the sheet %s", names, sheet)
	}
	if code, _, stderr := runCmd(t, "candidate", "erase", "--session", "s1", "--candidate", "c1"); code != exitOK {
		t.Fatalf("candidate erase: %s", stderr)
	}
	if _, err := blobs.Stat(ctx, sheet); err == nil {
		t.Error("the sheet survived the erasure")
	}
	os.Remove(zipPath)
}
