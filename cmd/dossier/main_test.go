package main

import (
	"os"
	"testing"

	"github.com/dossier-cert/dossier/extract"
)

func TestMain(m *testing.M) {
	extract.RunChild()
	os.Exit(m.Run())
}
