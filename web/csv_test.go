package web

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// TestCSVCellScript: the CSV of login links, written by the browser,
// neutralises cells as httpapi's safeCell does (issue 14: an e-mail address
// "=cmd…@x.fr" went out as a formula). It runs app.js's csvCell with node,
// when there is one.
func TestCSVCellScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is not installed in CI (.ci/run installs nodejs)")
		}
		t.Skip("no node to run app.js's csvCell")
	}
	src, err := os.ReadFile("static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	fn := regexp.MustCompile(`(?s)function csvCell\(v\) \{.*?\n    \}\n`).Find(src)
	if fn == nil {
		t.Fatal("no csvCell in app.js")
	}
	cases := map[string]string{
		"=cmd|' /C calc'!A0@x.fr": `'=cmd|' /C calc'!A0@x.fr`,
		"+33":                     "'+33",
		"-2":                      "'-2",
		"@SUM(A1)":                "'@SUM(A1)",
		"\t=1":                    "'\t=1",
		"marie@example.org":       "marie@example.org",
		"Dupont; Durand":          `"Dupont; Durand"`,
		`=A1;"x"`:                 `"'=A1;""x"""`,
	}
	var in []string
	for k := range cases {
		in = append(in, k)
	}
	arg, _ := json.Marshal(in)
	out, err := exec.Command(node, "-e", string(fn)+"process.stdout.write(JSON.stringify("+string(arg)+".map(csvCell)))").CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for i, k := range in {
		if got[i] != cases[k] {
			t.Errorf("csvCell(%q) = %q, want %q", k, got[i], cases[k])
		}
	}
}
