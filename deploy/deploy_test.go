package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The files are read relative to this directory (go test runs in it).
const (
	root        = ".."
	configGo    = "../cmd/dossier/config.go"
	mainGo      = "../cmd/dossier/main.go"
	tasksGo     = "../worker/tasks.go"
	extractGo   = "../extract/extract.go"
	goMod       = "../go.mod"
	composeFile = "compose.yaml"
	envExample  = ".env.example"
	dockerfile  = "Dockerfile"
	k8sDir      = "k8s"
)

// handlerWait is how long worker.Server.Shutdown waits for the handlers of
// requeued tasks after asynq's own shutdown timeout: a stop grace period
// must cover both.
const handlerWait = 10 * time.Second

// workerOverhead is the memory a worker needs besides its PDF reader
// children.
const workerOverhead = 256 << 20

// ---------------------------------------------------------------------------
// What the binary knows, read from its source.

// setting is one flag of a service command, as config.go declares it.
type setting struct {
	Flag string // "redis-addr"
	Env  string // "REDIS_ADDR"
	// Kind is how the environment value is parsed: "string", "int",
	// "int64", "duration" or "bool".
	Kind string
	// Default is the default's literal text when it is a string literal
	// (LiteralDefault), for telling an empty value that would blank it.
	Default        string
	LiteralDefault bool
	// DurationDefault is the default of a duration, when config.go writes
	// it as N*time.Unit.
	DurationDefault time.Duration
}

// binary is what deploy files may use.
type binary struct {
	// services maps each service command (serve, work, dev) to its
	// settings by environment variable.
	services map[string]map[string]setting
	// flags maps every other subcommand to its flag names.
	flags map[string][]string
	// queues are the worker's queue names.
	queues []string
	// maxMemory is the PDF reader child's address-space cap per document.
	maxMemory int64
	module    string
}

func (b *binary) isService(cmd string) bool { _, ok := b.services[cmd]; return ok }

// known reports whether cmd is a subcommand of the binary.
func (b *binary) known(cmd string) bool {
	_, svc := b.services[cmd]
	_, other := b.flags[cmd]
	return svc || other
}

// allEnv is every environment variable of any service command.
func (b *binary) allEnv() map[string]setting {
	all := map[string]setting{}
	for _, s := range b.services {
		for k, v := range s {
			all[k] = v
		}
	}
	return all
}

// flagKnown reports whether --name is a flag of cmd.
func (b *binary) flagKnown(cmd, name string) bool {
	if name == "h" || name == "help" {
		return true
	}
	if s, ok := b.services[cmd]; ok {
		for _, v := range s {
			if v.Flag == name {
				return true
			}
		}
		return false
	}
	return slices.Contains(b.flags[cmd], name)
}

// shutdownTimeout is the value the worker runs with given env (a
// container's environment): DOSSIER_SHUTDOWN_TIMEOUT, or the default.
func (b *binary) shutdownTimeout(t *testing.T, env map[string]string) time.Duration {
	t.Helper()
	s := b.services["work"]["DOSSIER_SHUTDOWN_TIMEOUT"]
	if v := env["DOSSIER_SHUTDOWN_TIMEOUT"]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("DOSSIER_SHUTDOWN_TIMEOUT=%q: %v", v, err)
		}
		return d
	}
	return s.DurationDefault
}

var (
	binaryOnce *binary
	binaryErr  error
)

// readBinary reads cmd/dossier and its neighbours once.
func readBinary(t *testing.T) *binary {
	t.Helper()
	if binaryOnce == nil && binaryErr == nil {
		binaryOnce, binaryErr = parseBinary()
	}
	if binaryErr != nil {
		t.Fatalf("read the binary's configuration: %v", binaryErr)
	}
	return binaryOnce
}

func parseBinary() (*binary, error) {
	b := &binary{services: map[string]map[string]setting{}, flags: map[string][]string{}}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, configGo, nil, 0)
	if err != nil {
		return nil, err
	}
	var register *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "register" && fd.Recv != nil {
			register = fd
		}
	}
	if register == nil {
		return nil, errors.New(configGo + ": no method register: update deploy_test.go's reader")
	}
	// The commands register serves: the string literals compared with
	// its parameter "which".
	which := register.Type.Params.List[len(register.Type.Params.List)-1].Names[0].Name
	cmds := map[string]bool{}
	ast.Inspect(register.Body, func(n ast.Node) bool {
		if be, ok := n.(*ast.BinaryExpr); ok {
			if id, ok := be.X.(*ast.Ident); ok && id.Name == which {
				if s, ok := stringLit(be.Y); ok {
					cmds[s] = true
				}
			}
		}
		return true
	})
	for cmd := range cmds {
		settings := map[string]setting{}
		if err := evalRegister(register.Body.List, which, cmd, settings); err != nil {
			return nil, err
		}
		b.services[cmd] = settings
	}
	// Sanity: a reader that finds nothing would let anything through.
	for _, need := range []struct{ cmd, env string }{
		{"serve", "REDIS_ADDR"}, {"serve", "DOSSIER_TOKEN_SECRET_FILE"},
		{"work", "REDIS_ADDR"}, {"work", "DOSSIER_SHUTDOWN_TIMEOUT"},
	} {
		if _, ok := b.services[need.cmd][need.env]; !ok {
			return nil, fmt.Errorf("%s: found no %s for %s: config.go changed shape, update deploy_test.go's reader", configGo, need.env, need.cmd)
		}
	}
	if b.services["work"]["DOSSIER_SHUTDOWN_TIMEOUT"].DurationDefault <= 0 {
		return nil, fmt.Errorf("%s: cannot read the default of --shutdown-timeout", configGo)
	}
	// Every "($NAME)" of a help string must be one the reader found.
	src, err := os.ReadFile(configGo)
	if err != nil {
		return nil, err
	}
	all := b.allEnv()
	for _, m := range regexp.MustCompile(`\(\$([A-Z][A-Z0-9_]*)\)`).FindAllStringSubmatch(string(src), -1) {
		if _, ok := all[m[1]]; !ok {
			return nil, fmt.Errorf("%s names $%s in a help string, which deploy_test.go's reader did not find as a setting", configGo, m[1])
		}
	}

	if err := parseOtherCommands(b); err != nil {
		return nil, err
	}
	b.queues, err = parseQueues()
	if err != nil {
		return nil, err
	}
	if b.maxMemory, err = parseMaxMemory(); err != nil {
		return nil, err
	}
	mod, err := os.ReadFile(goMod)
	if err != nil {
		return nil, err
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(mod)
	if m == nil {
		return nil, errors.New("go.mod: no module line")
	}
	b.module = string(m[1])
	return b, nil
}

// evalRegister walks register's statements as if which were cmd, and
// records the settings declared on the way.
func evalRegister(stmts []ast.Stmt, which, cmd string, out map[string]setting) error {
	for _, st := range stmts {
		switch st := st.(type) {
		case *ast.ExprStmt:
			call, ok := st.X.(*ast.CallExpr)
			if !ok {
				continue
			}
			s, ok, err := settingOf(call)
			if err != nil {
				return err
			}
			if ok {
				out[s.Env] = s
			}
		case *ast.IfStmt:
			lit, ok := whichTest(st.Cond, which)
			if !ok {
				return fmt.Errorf("%s: an if on something else than %s == \"…\": update deploy_test.go's reader", configGo, which)
			}
			if (cmd == lit.value) == lit.equal {
				if err := evalRegister(st.Body.List, which, cmd, out); err != nil {
					return err
				}
			} else if st.Else != nil {
				if err := evalRegister([]ast.Stmt{st.Else}, which, cmd, out); err != nil {
					return err
				}
			}
		case *ast.BlockStmt:
			if err := evalRegister(st.List, which, cmd, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// settingOf reads one flag declaration: str(&p, "name", "ENV", def, usage)
// or fs.XVar(&p, "name", envX("ENV", def), usage).
func settingOf(call *ast.CallExpr) (setting, bool, error) {
	switch fun := call.Fun.(type) {
	case *ast.Ident:
		if fun.Name != "str" || len(call.Args) < 4 {
			return setting{}, false, nil
		}
		name, ok1 := stringLit(call.Args[1])
		env, ok2 := stringLit(call.Args[2])
		if !ok1 || !ok2 {
			return setting{}, false, fmt.Errorf("%s: a str(…) call without literal flag and env names", configGo)
		}
		def, lit := stringLit(call.Args[3])
		return setting{Flag: name, Env: env, Kind: "string", Default: def, LiteralDefault: lit}, true, nil
	case *ast.SelectorExpr:
		kinds := map[string]string{"StringVar": "string", "IntVar": "int", "Int64Var": "int64", "DurationVar": "duration", "BoolVar": "bool"}
		kind, ok := kinds[fun.Sel.Name]
		if !ok || len(call.Args) < 3 {
			return setting{}, false, nil
		}
		name, ok := stringLit(call.Args[1])
		if !ok {
			return setting{}, false, fmt.Errorf("%s: fs.%s without a literal flag name", configGo, fun.Sel.Name)
		}
		envCall, ok := call.Args[2].(*ast.CallExpr)
		if !ok || len(envCall.Args) < 2 {
			return setting{}, false, fmt.Errorf("%s: flag --%s has no environment variable", configGo, name)
		}
		env, ok := stringLit(envCall.Args[0])
		if !ok {
			return setting{}, false, fmt.Errorf("%s: flag --%s: environment variable name not a literal", configGo, name)
		}
		s := setting{Flag: name, Env: env, Kind: kind}
		s.Default, s.LiteralDefault = stringLit(envCall.Args[1])
		if kind == "duration" {
			s.DurationDefault = durationExpr(envCall.Args[1])
		}
		return s, true, nil
	}
	return setting{}, false, nil
}

func stringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

// durationExpr evaluates N*time.Unit; 0 for anything else.
func durationExpr(e ast.Expr) time.Duration {
	be, ok := e.(*ast.BinaryExpr)
	if !ok || be.Op != token.MUL {
		return 0
	}
	n, ok := be.X.(*ast.BasicLit)
	sel, ok2 := be.Y.(*ast.SelectorExpr)
	if !ok || !ok2 || n.Kind != token.INT {
		return 0
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		return 0
	}
	units := map[string]time.Duration{"Millisecond": time.Millisecond, "Second": time.Second, "Minute": time.Minute, "Hour": time.Hour}
	return time.Duration(v) * units[sel.Sel.Name]
}

// parseOtherCommands reads the subcommands of main.go's commands() and,
// for each, the flag names declared in its run function.
func parseOtherCommands(b *binary) error {
	src, err := os.ReadFile(mainGo)
	if err != nil {
		return err
	}
	runs := map[string]string{} // run function -> command
	for _, m := range regexp.MustCompile(`\{"([a-z][a-z0-9-]*)",\s*"[^"]*",\s*(\w+)\}`).FindAllStringSubmatch(string(src), -1) {
		runs[m[2]] = m[1]
		b.flags[m[1]] = []string{}
	}
	if len(runs) == 0 {
		return errors.New(mainGo + ": no commands found: update deploy_test.go's reader")
	}
	files, err := filepath.Glob(filepath.Join(filepath.Dir(mainGo), "*.go"))
	if err != nil {
		return err
	}
	flagMethods := map[string]bool{}
	for _, m := range []string{"String", "Bool", "Int", "Int64", "Uint", "Uint64", "Float64", "Duration", "Func", "BoolFunc", "TextVar", "Var"} {
		flagMethods[m] = true
		flagMethods[m+"Var"] = true
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return err
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			cmd, ok := runs[fd.Name.Name]
			if !ok {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !flagMethods[sel.Sel.Name] {
					return true
				}
				for _, a := range call.Args[:min(2, len(call.Args))] {
					if s, ok := stringLit(a); ok {
						b.flags[cmd] = append(b.flags[cmd], s)
						break
					}
				}
				return true
			})
		}
	}
	return nil
}

// parseQueues reads the worker's queue names (worker/tasks.go); the
// documented ones while that file is not there.
func parseQueues() ([]string, error) {
	src, err := os.ReadFile(tasksGo)
	if errors.Is(err, os.ErrNotExist) {
		return []string{"documents", "attestations"}, nil
	}
	if err != nil {
		return nil, err
	}
	var qs []string
	for _, m := range regexp.MustCompile(`\bQueue[A-Z]\w*\s*=\s*"([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		qs = append(qs, m[1])
	}
	if len(qs) == 0 {
		return nil, errors.New(tasksGo + ": no Queue… constants: update deploy_test.go's reader")
	}
	return qs, nil
}

// parseMaxMemory reads extract.DefaultMaxMemory ("N << 30" or a number).
func parseMaxMemory() (int64, error) {
	src, err := os.ReadFile(extractGo)
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`DefaultMaxMemory\s*=\s*(\d+)(?:\s*<<\s*(\d+))?`).FindSubmatch(src)
	if m == nil {
		return 0, errors.New(extractGo + ": no DefaultMaxMemory")
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	if len(m[2]) > 0 {
		s, _ := strconv.Atoi(string(m[2]))
		n <<= s
	}
	return n, nil
}

// ---------------------------------------------------------------------------
// Reading YAML and values.

// get navigates decoded YAML: get(v, "a", "b") is v["a"]["b"], or nil.
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

func list(v any) []any { l, _ := v.([]any); return l }

func strs(v any) []string {
	var out []string
	for _, e := range list(v) {
		out = append(out, str(e))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// parseMemory reads a Docker ("2560m", "3g") or Kubernetes ("2560Mi",
// "3Gi", "2G") memory size in bytes.
func parseMemory(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{
		{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
		{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1},
		{"K", 1000}, {"M", 1000 * 1000}, {"G", 1000 * 1000 * 1000}, {"T", 1000 * 1000 * 1000 * 1000},
	}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("memory %q: %w", s, err)
			}
			return n * u.mult, nil
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// checkValue reports what is wrong with value for s: a number that does
// not parse (the binary would silently keep its default), or an empty
// string where the binary has a default it would lose.
func checkValue(s setting, value string) error {
	switch s.Kind {
	case "int", "int64":
		if value != "" {
			if _, err := strconv.ParseInt(value, 10, 64); err != nil {
				return fmt.Errorf("%s=%q is not an integer: the binary would ignore it", s.Env, value)
			}
		}
	case "duration":
		if value != "" {
			if _, err := time.ParseDuration(value); err != nil {
				return fmt.Errorf("%s=%q is not a Go duration (30s, 1m): the binary would ignore it", s.Env, value)
			}
		}
	case "string":
		if value == "" && s.LiteralDefault && s.Default != "" {
			return fmt.Errorf("%s is set empty, which replaces the binary's default %q", s.Env, s.Default)
		}
	}
	return nil
}

// checkArgs checks a container's command: a known subcommand, then only
// its flags. It returns the subcommand.
func checkArgs(t *testing.T, b *binary, where string, args []string) string {
	t.Helper()
	if len(args) == 0 {
		t.Errorf("%s: no subcommand (the image's default is `help`)", where)
		return ""
	}
	cmd := args[0]
	if !b.known(cmd) {
		t.Errorf("%s: subcommand %q is not one of the binary's", where, cmd)
		return cmd
	}
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !b.flagKnown(cmd, name) {
			t.Errorf("%s: flag --%s is not a flag of `dossier %s`", where, name, cmd)
		}
	}
	return cmd
}

// ---------------------------------------------------------------------------
// .env.example and compose interpolation.

type envFile struct {
	order []string
	vals  map[string]string
}

func readEnvFile(t *testing.T, path string) envFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ef := envFile{vals: map[string]string{}}
	line := regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("%s:%d: not NAME=value: %q", path, n, l)
			continue
		}
		v := m[2]
		switch {
		case len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0]:
			v = v[1 : len(v)-1]
		default:
			if i := strings.Index(v, " #"); i >= 0 {
				v = v[:i]
			}
			v = strings.TrimSpace(v)
		}
		if _, dup := ef.vals[m[1]]; dup {
			t.Errorf("%s:%d: %s set twice", path, n, m[1])
		}
		ef.order = append(ef.order, m[1])
		ef.vals[m[1]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ef
}

var interpolation = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// interpolate does compose's ${…} substitution of s with vars, recording
// the names used; a ${X:?msg} left unset is an error.
func interpolate(s string, vars map[string]string, used map[string]bool) (string, error) {
	var errs []error
	out := interpolation.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		sm := interpolation.FindStringSubmatch(m)
		name, op, arg := sm[1], sm[2], sm[3]
		if name == "" {
			name = sm[4]
		}
		used[name] = true
		v, set := vars[name]
		switch op {
		case ":-":
			if v == "" {
				return arg
			}
		case "-":
			if !set {
				return arg
			}
		case ":?":
			if v == "" {
				errs = append(errs, fmt.Errorf("${%s} is required (%s) but empty in %s", name, arg, envExample))
			}
		case "?":
			if !set {
				errs = append(errs, fmt.Errorf("${%s} is required (%s) but unset in %s", name, arg, envExample))
			}
		}
		return v
	})
	return out, errors.Join(errs...)
}

// interpolateAll substitutes every string value of v (not keys: compose
// does not interpolate them).
func interpolateAll(v any, vars map[string]string, used map[string]bool) (any, error) {
	switch v := v.(type) {
	case string:
		return interpolate(v, vars, used)
	case map[string]any:
		var errs []error
		for k, e := range v {
			r, err := interpolateAll(e, vars, used)
			errs = append(errs, err)
			v[k] = r
		}
		return v, errors.Join(errs...)
	case []any:
		var errs []error
		for i, e := range v {
			r, err := interpolateAll(e, vars, used)
			errs = append(errs, err)
			v[i] = r
		}
		return v, errors.Join(errs...)
	}
	return v, nil
}

// composeEnv reads a service's environment (a map or NAME=value list).
func composeEnv(svc any) map[string]string {
	env := map[string]string{}
	switch e := get(svc, "environment").(type) {
	case map[string]any:
		for k, v := range e {
			env[k] = str(v)
		}
	case []any:
		for _, kv := range e {
			k, v, _ := strings.Cut(str(kv), "=")
			env[k] = v
		}
	}
	return env
}

// loadCompose reads compose.yaml, interpolated with .env.example.
func loadCompose(t *testing.T) (map[string]any, envFile, map[string]bool) {
	t.Helper()
	ef := readEnvFile(t, envExample)
	data, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", composeFile, err)
	}
	used := map[string]bool{}
	if _, err := interpolateAll(doc, ef.vals, used); err != nil {
		t.Errorf("%s with %s: %v", composeFile, envExample, err)
	}
	return doc, ef, used
}

// isDossier reports whether a compose service runs the dossier image.
func isDossier(svc any) bool {
	return filepath.ToSlash(str(get(svc, "build", "dockerfile"))) == "deploy/Dockerfile"
}

// ---------------------------------------------------------------------------
// Compose.

func TestCompose(t *testing.T) {
	b := readBinary(t)
	doc, _, _ := loadCompose(t)
	services, _ := get(doc, "services").(map[string]any)
	for _, name := range []string{"redis", "s3", "s3-bucket", "api", "worker", "keygen"} {
		if services[name] == nil {
			t.Errorf("service %s missing", name)
		}
	}
	for _, name := range sortedKeys(services) {
		if str(get(services[name], "image")) == "" {
			t.Errorf("service %s: no image", name)
		}
	}

	t.Run("redis", func(t *testing.T) {
		redis := services["redis"]
		if img := str(get(redis, "image")); !strings.HasPrefix(img, "redis:7") {
			t.Errorf("redis image %q, want redis 7", img)
		}
		cmd := strings.Join(strs(get(redis, "command")), " ")
		for _, want := range []string{"--appendonly yes", "--maxmemory-policy noeviction", "--requirepass "} {
			if !strings.Contains(cmd, want) {
				t.Errorf("redis command %q lacks %q", cmd, want)
			}
		}
		if !mountsAt(redis, "/data") {
			t.Errorf("redis keeps /data (its AOF) in no volume")
		}
		if hc := strings.Join(strs(get(redis, "healthcheck", "test")), " "); !strings.Contains(hc, "redis-cli") || !strings.Contains(hc, "ping") {
			t.Errorf("redis healthcheck %q: want redis-cli ping", hc)
		}
	})

	t.Run("s3", func(t *testing.T) {
		s3 := services["s3"]
		if len(strs(get(s3, "healthcheck", "test"))) == 0 {
			t.Errorf("s3 has no healthcheck")
		}
		if !mountsAt(s3, "/data") {
			t.Errorf("s3 keeps its objects in no volume")
		}
		if r := str(get(services["s3-bucket"], "restart")); r != "no" {
			t.Errorf("s3-bucket is a one-shot: restart %q, want \"no\"", r)
		}
	})

	for _, name := range sortedKeys(services) {
		svc := services[name]
		if !isDossier(svc) {
			continue
		}
		t.Run(name, func(t *testing.T) { checkComposeDossier(t, b, doc, name, svc) })
	}

	t.Run("worker", func(t *testing.T) {
		w := services["worker"]
		if n, _ := get(w, "deploy", "replicas").(int); n < 2 {
			t.Errorf("worker replicas %v, want several", get(w, "deploy", "replicas"))
		}
		env := composeEnv(w)
		grace, err := time.ParseDuration(str(get(w, "stop_grace_period")))
		if err != nil {
			t.Fatalf("worker stop_grace_period: %v", err)
		}
		if st := b.shutdownTimeout(t, env); grace <= st+handlerWait {
			t.Errorf("worker stop_grace_period %v: want more than --shutdown-timeout %v + %v", grace, st, handlerWait)
		}
		checkWorkerMemory(t, b, "compose worker", env["DOSSIER_CONCURRENCY"], str(get(w, "deploy", "resources", "limits", "memory")))
	})

	for _, name := range []string{"api", "worker"} {
		dep, _ := get(services[name], "depends_on").(map[string]any)
		for svc, cond := range map[string]string{"redis": "service_healthy", "s3": "service_healthy", "s3-bucket": "service_completed_successfully"} {
			if got := str(get(dep[svc], "condition")); got != cond {
				t.Errorf("%s depends on %s with condition %q, want %s", name, svc, got, cond)
			}
		}
	}
}

// checkComposeDossier checks a service running the dossier image.
func checkComposeDossier(t *testing.T, b *binary, doc map[string]any, name string, svc any) {
	cmd := checkArgs(t, b, "compose "+name, strs(get(svc, "command")))

	uid, _, _ := strings.Cut(str(get(svc, "user")), ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("user %q: want a numeric non-root uid", str(get(svc, "user")))
	}
	if ro, _ := get(svc, "read_only").(bool); !ro {
		t.Errorf("read_only is not true")
	}
	if !slices.Contains(strs(get(svc, "cap_drop")), "ALL") {
		t.Errorf("cap_drop lacks ALL")
	}
	// The image has no shell: a healthcheck can only exec /dossier.
	if hc := strs(get(svc, "healthcheck", "test")); len(hc) > 0 && (hc[0] != "CMD" || len(hc) < 2 || hc[1] != "/dossier") {
		t.Errorf("healthcheck %q: the image has no shell or curl, only [\"CMD\", \"/dossier\", …] can run", hc)
	}

	env := composeEnv(svc)
	if len(env) > 0 && !b.isService(cmd) {
		t.Errorf("environment set for `dossier %s`, which reads none", cmd)
	}
	settings := b.services[cmd]
	for _, k := range sortedKeys(env) {
		s, ok := settings[k]
		if !ok {
			t.Errorf("environment %s is not a setting of `dossier %s` (cmd/dossier/config.go)", k, cmd)
			continue
		}
		if err := checkValue(s, env[k]); err != nil {
			t.Error(err)
		}
	}
	// Files named by the environment are mounted: secrets at
	// /run/secrets/<name>, folders by a volume.
	secrets := strs(get(svc, "secrets"))
	topSecrets, _ := get(doc, "secrets").(map[string]any)
	for _, s := range secrets {
		if topSecrets[s] == nil {
			t.Errorf("secret %s is not declared at the top level", s)
		}
	}
	for _, k := range []string{"DOSSIER_TOKEN_SECRET_FILE", "DOSSIER_SIGNING_KEY", "DOSSIER_SIGNING_CERTIFICATE"} {
		if v, ok := env[k]; ok {
			sec, found := strings.CutPrefix(v, "/run/secrets/")
			if !found || !slices.Contains(secrets, sec) {
				t.Errorf("%s=%s is not one of the service's secrets %v", k, v, secrets)
			}
		}
	}
	if v, ok := env["DOSSIER_PUBLIC_KEYS"]; ok && !mountsAt(svc, v) {
		t.Errorf("DOSSIER_PUBLIC_KEYS=%s: no volume mounted there", v)
	}
	if (cmd == "serve" || cmd == "work") && !mountsAt(svc, "/tmp") {
		t.Errorf("read-only root and no /tmp mount (uploads are spooled to /tmp)")
	}
}

// mountsAt reports whether a compose service mounts a volume at target.
func mountsAt(svc any, target string) bool {
	for _, v := range list(get(svc, "volumes")) {
		switch v := v.(type) {
		case string:
			parts := strings.Split(v, ":")
			if len(parts) >= 2 && parts[1] == target {
				return true
			}
		case map[string]any:
			if str(v["target"]) == target {
				return true
			}
		}
	}
	return false
}

// checkWorkerMemory checks that a worker's memory limit holds
// concurrency PDF readers at their cap, plus the worker.
func checkWorkerMemory(t *testing.T, b *binary, where, concurrency, limit string) {
	t.Helper()
	n, err := strconv.Atoi(concurrency)
	if err != nil || n <= 0 {
		t.Errorf("%s: DOSSIER_CONCURRENCY=%q: set it explicitly (0 means one per CPU of the host)", where, concurrency)
		return
	}
	lim, err := parseMemory(limit)
	if err != nil || limit == "" {
		t.Errorf("%s: memory limit %q: %v", where, limit, err)
		return
	}
	if want := int64(n)*b.maxMemory + workerOverhead; lim < want {
		t.Errorf("%s: memory limit %s < %d × %d MiB (PDF reader cap) + %d MiB", where, limit, n, b.maxMemory>>20, workerOverhead>>20)
	}
}

func TestEnvExample(t *testing.T) {
	b := readBinary(t)
	_, ef, used := loadCompose(t)
	all := b.allEnv()
	for _, k := range ef.order {
		if s, ok := all[k]; ok {
			// Numbers must parse; an empty string is fine here, where
			// compose's ${X:-default} may fill it (TestCompose checks what
			// the containers get).
			if err := checkValue(s, ef.vals[k]); err != nil && s.Kind != "string" {
				t.Errorf("%s: %v", envExample, err)
			}
			continue
		}
		if !strings.HasPrefix(k, "DEPLOY_") {
			t.Errorf("%s: %s is neither a setting of the binary (cmd/dossier/config.go) nor a DEPLOY_* setting of compose", envExample, k)
		}
		if !used[k] {
			t.Errorf("%s: %s is used nowhere in %s", envExample, k, composeFile)
		}
	}
	for _, k := range ef.order {
		if _, ok := all[k]; ok && !used[k] {
			t.Errorf("%s: %s is passed to no service of %s", envExample, k, composeFile)
		}
	}
	for _, k := range sortedKeys(used) {
		if _, ok := ef.vals[k]; !ok {
			t.Errorf("%s uses ${%s}, which %s does not document", composeFile, k, envExample)
		}
	}
	if uid := ef.vals["DEPLOY_UID"]; uid == "0" {
		t.Errorf("%s: DEPLOY_UID=0 runs dossier as root", envExample)
	}
}

// ---------------------------------------------------------------------------
// Kubernetes.

type object struct {
	file string
	doc  map[string]any
}

func (o object) kind() string { return str(o.doc["kind"]) }
func (o object) name() string { return str(get(o.doc, "metadata", "name")) }

func loadK8s(t *testing.T) []object {
	t.Helper()
	var objs []object
	err := filepath.WalkDir(k8sDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if doc == nil {
				continue
			}
			objs = append(objs, object{file: filepath.ToSlash(path), doc: doc})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) == 0 {
		t.Fatal("no manifest under " + k8sDir)
	}
	return objs
}

func find(objs []object, kind, name string) (object, bool) {
	for _, o := range objs {
		if o.kind() == kind && o.name() == name {
			return o, true
		}
	}
	return object{}, false
}

func labelsMatch(selector, labels any) bool {
	sel, _ := selector.(map[string]any)
	lab, _ := labels.(map[string]any)
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if str(lab[k]) != str(v) {
			return false
		}
	}
	return true
}

// containerEnv is what a container's environment holds: its ConfigMaps
// (envFrom) and env entries; secret-backed values are "<secret>".
func containerEnv(t *testing.T, objs []object, where string, c any) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, ef := range list(get(c, "envFrom")) {
		if name := str(get(ef, "configMapRef", "name")); name != "" {
			cm, ok := find(objs, "ConfigMap", name)
			if !ok {
				t.Errorf("%s: envFrom ConfigMap %s not found", where, name)
				continue
			}
			data, _ := get(cm.doc, "data").(map[string]any)
			for k, v := range data {
				env[k] = str(v)
			}
		}
		if name := str(get(ef, "secretRef", "name")); name != "" {
			t.Errorf("%s: envFrom Secret %s: name the secret variables one by one", where, name)
		}
	}
	for _, e := range list(get(c, "env")) {
		k := str(get(e, "name"))
		if ref := get(e, "valueFrom", "secretKeyRef"); ref != nil {
			checkSecretKey(t, objs, where, str(get(ref, "name")), str(get(ref, "key")))
			env[k] = "<secret>"
			continue
		}
		env[k] = str(get(e, "value"))
	}
	return env
}

// checkSecretKey checks that the Secret template has the key.
func checkSecretKey(t *testing.T, objs []object, where, name, key string) {
	t.Helper()
	s, ok := find(objs, "Secret", name)
	if !ok {
		t.Errorf("%s: Secret %s is not in the template", where, name)
		return
	}
	if get(s.doc, "stringData", key) == nil && get(s.doc, "data", key) == nil {
		t.Errorf("%s: Secret %s has no key %s in the template", where, name, key)
	}
}

// mountedFrom returns the volume of the pod mounted at a prefix of path.
func mountedFrom(pod, c any, path string) (map[string]any, bool) {
	for _, m := range list(get(c, "volumeMounts")) {
		mp := strings.TrimSuffix(str(get(m, "mountPath")), "/")
		if path == mp || strings.HasPrefix(path, mp+"/") {
			for _, v := range list(get(pod, "volumes")) {
				if str(get(v, "name")) == str(get(m, "name")) {
					vm, _ := v.(map[string]any)
					return vm, true
				}
			}
		}
	}
	return nil, false
}

func TestKubernetes(t *testing.T) {
	b := readBinary(t)
	objs := loadK8s(t)
	for _, o := range objs {
		if o.kind() == "" || str(o.doc["apiVersion"]) == "" {
			t.Errorf("%s: a document without apiVersion or kind", o.file)
		}
		if o.kind() != "Kustomization" && o.name() == "" {
			t.Errorf("%s: %s without metadata.name", o.file, o.kind())
		}
	}

	deployments := map[string]string{} // Deployment -> subcommand
	for _, o := range objs {
		if o.kind() != "Deployment" {
			continue
		}
		t.Run(o.name(), func(t *testing.T) { deployments[o.name()] = checkDeployment(t, b, objs, o) })
	}
	if !slices.Contains(mapValues(deployments), "serve") || !slices.Contains(mapValues(deployments), "work") {
		t.Errorf("want a Deployment running serve and one running work; have %v", deployments)
	}

	for _, o := range objs {
		switch o.kind() {
		case "PodDisruptionBudget":
			matched := 0
			for _, d := range objs {
				if d.kind() == "Deployment" && labelsMatch(get(o.doc, "spec", "selector", "matchLabels"), get(d.doc, "spec", "template", "metadata", "labels")) {
					matched++
				}
			}
			if matched != 1 {
				t.Errorf("%s: PodDisruptionBudget %s selects the pods of %d Deployments, want 1", o.file, o.name(), matched)
			}
		case "Service":
			var d object
			for _, c := range objs {
				if c.kind() == "Deployment" && labelsMatch(get(o.doc, "spec", "selector"), get(c.doc, "spec", "template", "metadata", "labels")) {
					d = c
				}
			}
			if d.doc == nil {
				t.Errorf("%s: Service %s selects no Deployment's pods", o.file, o.name())
				continue
			}
			for _, p := range list(get(o.doc, "spec", "ports")) {
				if !hasPort(get(d.doc, "spec", "template", "spec", "containers"), str(get(p, "targetPort"))) {
					t.Errorf("%s: Service %s targets port %v, which %s does not declare", o.file, o.name(), get(p, "targetPort"), d.name())
				}
			}
		case "Secret":
			for _, field := range []string{"stringData", "data"} {
				data, _ := get(o.doc, field).(map[string]any)
				for k, v := range data {
					if !strings.Contains(str(v), "REPLACE_ME") {
						t.Errorf("%s: Secret %s: %s is not a REPLACE_ME placeholder: never commit a real secret", o.file, o.name(), k)
					}
				}
			}
		case "ScaledObject":
			checkScaledObject(t, b, objs, deployments, o)
		case "HorizontalPodAutoscaler":
			target := str(get(o.doc, "spec", "scaleTargetRef", "name"))
			if deployments[target] != "work" {
				t.Errorf("%s: HPA %s scales %q, not the workers", o.file, o.name(), target)
			}
			if n, _ := get(o.doc, "spec", "minReplicas").(int); n < 1 {
				t.Errorf("%s: HPA %s: minReplicas %v", o.file, o.name(), get(o.doc, "spec", "minReplicas"))
			}
		}
	}
	checkKustomization(t, objs)
}

func mapValues(m map[string]string) []string {
	var vs []string
	for _, v := range m {
		vs = append(vs, v)
	}
	return vs
}

func hasPort(containers any, port string) bool {
	for _, c := range list(containers) {
		for _, p := range list(get(c, "ports")) {
			if str(get(p, "name")) == port || str(get(p, "containerPort")) == port {
				return true
			}
		}
	}
	return false
}

// checkDeployment checks one Deployment and returns its subcommand.
func checkDeployment(t *testing.T, b *binary, objs []object, o object) string {
	spec := get(o.doc, "spec")
	pod := get(spec, "template", "spec")
	where := o.file + ": " + o.name()
	if !labelsMatch(get(spec, "selector", "matchLabels"), get(spec, "template", "metadata", "labels")) {
		t.Errorf("%s: selector does not match the pod labels", where)
	}
	if nr, _ := get(pod, "securityContext", "runAsNonRoot").(bool); !nr {
		t.Errorf("%s: securityContext.runAsNonRoot is not true", where)
	}
	if uid, _ := get(pod, "securityContext", "runAsUser").(int); uid == 0 {
		t.Errorf("%s: runAsUser %v: want a non-root uid", where, get(pod, "securityContext", "runAsUser"))
	}
	containers := list(get(pod, "containers"))
	if len(containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", where, len(containers))
	}
	c := containers[0]
	if str(get(c, "image")) == "" {
		t.Errorf("%s: no image", where)
	}
	if len(strs(get(c, "command"))) > 0 {
		t.Errorf("%s: command replaces the image's ENTRYPOINT /dossier; use args", where)
	}
	cmd := checkArgs(t, b, where, strs(get(c, "args")))
	if !b.isService(cmd) {
		t.Errorf("%s: runs `dossier %s`, not a service", where, cmd)
		return cmd
	}

	sc := get(c, "securityContext")
	if ape, ok := get(sc, "allowPrivilegeEscalation").(bool); !ok || ape {
		t.Errorf("%s: allowPrivilegeEscalation is not false", where)
	}
	if ro, _ := get(sc, "readOnlyRootFilesystem").(bool); !ro {
		t.Errorf("%s: readOnlyRootFilesystem is not true", where)
	}
	if !slices.Contains(strs(get(sc, "capabilities", "drop")), "ALL") {
		t.Errorf("%s: capabilities.drop lacks ALL", where)
	}
	if v, ok := mountedFrom(pod, c, "/tmp"); !ok || v["emptyDir"] == nil {
		t.Errorf("%s: /tmp is not an emptyDir (the root filesystem is read-only)", where)
	}
	if lim := str(get(c, "resources", "limits", "memory")); lim == "" {
		t.Errorf("%s: no memory limit", where)
	}

	env := containerEnv(t, objs, where, c)
	settings := b.services[cmd]
	for _, k := range sortedKeys(env) {
		s, ok := settings[k]
		if !ok {
			t.Errorf("%s: environment %s is not a setting of `dossier %s` (cmd/dossier/config.go)", where, k, cmd)
			continue
		}
		if env[k] != "<secret>" {
			if err := checkValue(s, env[k]); err != nil {
				t.Errorf("%s: %v", where, err)
			}
		}
	}
	// Files the settings name are mounted from a Secret or ConfigMap
	// that the templates declare.
	for _, k := range []string{"DOSSIER_TOKEN_SECRET_FILE", "DOSSIER_SIGNING_KEY", "DOSSIER_SIGNING_CERTIFICATE", "DOSSIER_PUBLIC_KEYS"} {
		p, ok := env[k]
		if !ok {
			continue
		}
		v, ok := mountedFrom(pod, c, p)
		switch {
		case !ok:
			t.Errorf("%s: %s=%s: nothing mounted there", where, k, p)
		case get(v, "secret") != nil:
			name := str(get(v, "secret", "secretName"))
			if k != "DOSSIER_PUBLIC_KEYS" {
				checkSecretKey(t, objs, where, name, filepath.Base(p))
			}
		case get(v, "configMap") != nil:
			if _, ok := find(objs, "ConfigMap", str(get(v, "configMap", "name"))); !ok {
				t.Errorf("%s: %s is mounted from ConfigMap %s, which no manifest or template declares", where, k, str(get(v, "configMap", "name")))
			}
		default:
			t.Errorf("%s: %s=%s is mounted from neither a Secret nor a ConfigMap", where, k, p)
		}
	}

	switch cmd {
	case "serve":
		_, port, _ := strings.Cut(env["DOSSIER_ADDR"], ":")
		if port == "" {
			port = "8080"
		}
		if !hasPort([]any{c}, port) {
			t.Errorf("%s: DOSSIER_ADDR listens on %s, not a declared containerPort", where, port)
		}
		for probe, path := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
			hg := get(c, probe, "httpGet")
			if got := str(get(hg, "path")); got != path {
				t.Errorf("%s: %s path %q, want %s", where, probe, got, path)
			}
			if !hasPort([]any{c}, str(get(hg, "port"))) {
				t.Errorf("%s: %s port %v is not a declared containerPort", where, probe, get(hg, "port"))
			}
		}
	case "work":
		grace, _ := get(pod, "terminationGracePeriodSeconds").(int)
		if st := b.shutdownTimeout(t, env); time.Duration(grace)*time.Second <= st+handlerWait {
			t.Errorf("%s: terminationGracePeriodSeconds %d: want more than --shutdown-timeout %v + %v", where, grace, st, handlerWait)
		}
		checkWorkerMemory(t, b, where, env["DOSSIER_CONCURRENCY"], str(get(c, "resources", "limits", "memory")))
	}
	return cmd
}

var pendingList = regexp.MustCompile(`^asynq:\{([^{}]+)\}:pending$`)

func checkScaledObject(t *testing.T, b *binary, objs []object, deployments map[string]string, o object) {
	where := o.file + ": ScaledObject " + o.name()
	target := str(get(o.doc, "spec", "scaleTargetRef", "name"))
	if deployments[target] != "work" {
		t.Errorf("%s scales %q, not the workers", where, target)
		return
	}
	d, _ := find(objs, "Deployment", target)
	env := containerEnv(t, objs, where, list(get(d.doc, "spec", "template", "spec", "containers"))[0])
	triggers := list(get(o.doc, "spec", "triggers"))
	if len(triggers) == 0 {
		t.Errorf("%s: no trigger", where)
	}
	for _, tr := range triggers {
		if str(get(tr, "type")) != "redis" {
			continue
		}
		md := get(tr, "metadata")
		ln := str(get(md, "listName"))
		m := pendingList.FindStringSubmatch(ln)
		switch {
		case m == nil:
			t.Errorf("%s: listName %q: asynq keeps queue Q's pending tasks in asynq:{Q}:pending", where, ln)
		case !slices.Contains(b.queues, m[1]):
			t.Errorf("%s: listName %q: the worker has no queue %q (it has %v)", where, ln, m[1], b.queues)
		}
		if ae := str(get(md, "addressFromEnv")); ae != "" {
			if _, ok := env[ae]; !ok {
				t.Errorf("%s: addressFromEnv %s is not in the workers' environment", where, ae)
			}
		} else if str(get(md, "address")) == "" && str(get(md, "host")) == "" {
			t.Errorf("%s: no Redis address", where)
		}
		db := env["REDIS_DB"]
		if db == "" {
			db = "0"
		}
		if got := str(get(md, "databaseIndex")); got != "" && got != db {
			t.Errorf("%s: databaseIndex %s, but the workers use REDIS_DB %s", where, got, db)
		}
		if ref := str(get(tr, "authenticationRef", "name")); ref != "" {
			ta, ok := find(objs, "TriggerAuthentication", ref)
			if !ok {
				t.Errorf("%s: TriggerAuthentication %s not found", where, ref)
				continue
			}
			for _, s := range list(get(ta.doc, "spec", "secretTargetRef")) {
				checkSecretKey(t, objs, "TriggerAuthentication "+ref, str(get(s, "name")), str(get(s, "key")))
			}
		}
	}
}

func checkKustomization(t *testing.T, objs []object) {
	kf := filepath.Join(k8sDir, "kustomization.yaml")
	data, err := os.ReadFile(kf)
	if err != nil {
		t.Fatal(err)
	}
	var k map[string]any
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatalf("%s: %v", kf, err)
	}
	resources := strs(k["resources"])
	for _, r := range resources {
		if _, err := os.Stat(filepath.Join(k8sDir, r)); err != nil {
			t.Errorf("%s: resource %s: %v", kf, r, err)
		}
		if strings.Contains(r, ".example.") {
			t.Errorf("%s lists the template %s", kf, r)
		}
	}
	top, _ := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	for _, f := range top {
		base := filepath.Base(f)
		if base != "kustomization.yaml" && !strings.Contains(base, ".example.") && !slices.Contains(resources, base) {
			t.Errorf("%s is not listed in %s (templates are named *.example.yaml, alternatives live in alternatives/)", f, kf)
		}
	}
	images := map[string]bool{}
	for _, im := range list(k["images"]) {
		images[str(get(im, "name"))] = true
		if tag := str(get(im, "newTag")); tag == "" || tag == "latest" {
			t.Errorf("%s: image %s: pin a version, not %q", kf, str(get(im, "name")), tag)
		}
	}
	for _, o := range objs {
		if o.kind() != "Deployment" {
			continue
		}
		for _, c := range list(get(o.doc, "spec", "template", "spec", "containers")) {
			if img := str(get(c, "image")); !images[img] && !strings.Contains(img, ":") {
				t.Errorf("%s: image %q has no tag and %s does not set one", o.file, img, kf)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// The Dockerfile.

func TestDockerfile(t *testing.T) {
	b := readBinary(t)
	data, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	// Join continued lines, drop comments.
	var lines []string
	var cur strings.Builder
	for _, l := range strings.Split(string(data), "\n") {
		tl := strings.TrimSpace(l)
		if strings.HasPrefix(tl, "#") {
			continue
		}
		if s, ok := strings.CutSuffix(tl, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(tl)
		if s := strings.TrimSpace(cur.String()); s != "" {
			lines = append(lines, s)
		}
		cur.Reset()
	}
	args := map[string]string{}
	var froms, runs []string
	var entrypoint, user string
	for _, l := range lines {
		instr, rest, _ := strings.Cut(l, " ")
		switch strings.ToUpper(instr) {
		case "ARG":
			k, v, _ := strings.Cut(rest, "=")
			if _, ok := args[k]; !ok {
				args[k] = v
			}
		case "FROM":
			froms = append(froms, rest)
		case "RUN":
			runs = append(runs, rest)
		case "ENTRYPOINT":
			entrypoint = rest
		case "USER":
			user = rest
		case "HEALTHCHECK":
			t.Errorf("HEALTHCHECK: the final image has no shell or curl to run it")
		}
	}
	expand := func(s string) string {
		return os.Expand(s, func(k string) string { return args[k] })
	}
	if len(froms) < 2 {
		t.Fatalf("%d FROM: want a build stage and a final stage", len(froms))
	}
	builder := expand(froms[0])
	if !strings.Contains(builder, "golang:") {
		t.Errorf("build stage %q: want a golang image", builder)
	}
	final := expand(strings.Fields(froms[len(froms)-1])[0])
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final stage %q: want distroless/static or scratch", final)
	}
	if entrypoint != `["/dossier"]` {
		t.Errorf("ENTRYPOINT %s, want [\"/dossier\"]", entrypoint)
	}
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("USER %q: want a numeric non-root uid (Kubernetes checks runAsNonRoot by number)", user)
	}
	build := ""
	for _, r := range runs {
		if strings.Contains(r, "go build") {
			build = r
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X " + b.module + ".Version=", "./cmd/dossier", "--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,target=/root/.cache/go-build"} {
		if !strings.Contains(build, want) {
			t.Errorf("the go build step lacks %q", want)
		}
	}
	// The -X target must exist.
	rootSrc, _ := filepath.Glob(filepath.Join(root, "*.go"))
	found := false
	for _, f := range rootSrc {
		src, _ := os.ReadFile(f)
		if regexp.MustCompile(`(?m)^var Version\b`).Match(src) {
			found = true
		}
	}
	if !found {
		t.Errorf("the root package declares no var Version for -X %s.Version", b.module)
	}
	// The builder's Go is at least go.mod's (golang images run with
	// GOTOOLCHAIN=local).
	mod, _ := os.ReadFile(goMod)
	if m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod); m != nil {
		if tag := regexp.MustCompile(`golang:(\d+\.\d+)`).FindStringSubmatch(builder); tag == nil || tag[1] != string(m[1]) {
			t.Errorf("build stage %q: want golang:%s, the Go of go.mod", builder, m[1])
		}
	}
	if _, err := os.Stat(dockerfile + ".dockerignore"); err != nil {
		t.Errorf("no %s.dockerignore: the build context would hold .git and test binaries", dockerfile)
	}
}

// whichCond is a test of register's parameter: which == "value" (equal)
// or which != "value".
type whichCond struct {
	value string
	equal bool
}

func whichTest(cond ast.Expr, which string) (whichCond, bool) {
	be, ok := cond.(*ast.BinaryExpr)
	if !ok || (be.Op != token.EQL && be.Op != token.NEQ) {
		return whichCond{}, false
	}
	id, ok := be.X.(*ast.Ident)
	if !ok || id.Name != which {
		return whichCond{}, false
	}
	lit, ok := stringLit(be.Y)
	if !ok {
		return whichCond{}, false
	}
	return whichCond{value: lit, equal: be.Op == token.EQL}, true
}
