package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dossier-cert/dossier/extract"
)

// serviceConfig is the configuration of serve, work and dev. Every setting
// is a flag whose default can be set by the environment variable named in
// its help; the defaults are those shown by "dossier serve -h".
type serviceConfig struct {
	// Redis (asynq's broker). dev starts an in-process Redis when empty.
	RedisAddr     string
	RedisPassword string
	RedisDB       int

	// S3-compatible storage. dev starts an in-process server when empty.
	S3Endpoint  string
	S3Bucket    string
	S3Region    string
	S3AccessKey string
	S3SecretKey string
	S3Prefix    string

	// Tokens and attestations.
	TokenSecretFile string // HMAC secret for access tokens
	SigningKey      string // Ed25519 private key (dossier keygen)
	PublicKeys      string // public keys that verify attestations: a folder of .pub, or files separated by commas
	Certifier       string // certification body's name, printed on attestations
	VerifyBase      string // public base URL of /verify
	AttestPrefix    string // prefix of attestation numbers

	// serve, dev: the declaration of holders to the Caisse des Dépôts
	// (the admin page's CDC export), and the queue's web console.
	CDCEmitter, CDCCertifier, CDCContract string
	CertificationCode                     string // RNCP code, when the referentiel has none
	QueueMonitor                          bool   // serve asynqmon, read-only, to admins

	Referentiel string // another certification's referentiel (JSON file)
	Limits      extract.Limits

	Addr            string        // serve, dev: listen address
	MetricsAddr     string        // work: address of /metrics and /healthz
	Concurrency     int           // work, dev: tasks run at once
	ShutdownTimeout time.Duration // work, dev: time given to running tasks on SIGTERM
	DataDir         string        // dev: where the embedded Redis-less state and S3 data live
	LogFormat       string        // json or text
	LogLevel        string        // debug, info, warn, error
}

// envOr returns the environment variable's value, or def.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envInt64(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	if v, err := strconv.ParseBool(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// register declares the flags of a service command; which says which ones:
// "serve", "work" or "dev".
func (c *serviceConfig) register(fs *flag.FlagSet, which string) {
	str := func(p *string, name, env, def, usage string) {
		fs.StringVar(p, name, envOr(env, def), usage+" ($"+env+")")
	}
	str(&c.RedisAddr, "redis-addr", "REDIS_ADDR", "", "adresse de Redis, hôte:port"+map[bool]string{true: " (vide : Redis intégré)", false: " (obligatoire)"}[which == "dev"])
	str(&c.RedisPassword, "redis-password", "REDIS_PASSWORD", "", "mot de passe de Redis")
	fs.IntVar(&c.RedisDB, "redis-db", envInt("REDIS_DB", 0), "base Redis ($REDIS_DB)")
	str(&c.S3Endpoint, "s3-endpoint", "S3_ENDPOINT", "", "URL du stockage compatible S3"+map[bool]string{true: " (vide : stockage intégré sous --data)", false: " (obligatoire)"}[which == "dev"])
	str(&c.S3Bucket, "s3-bucket", "S3_BUCKET", "dossier", "compartiment (bucket)")
	str(&c.S3Region, "s3-region", "S3_REGION", "us-east-1", "région S3")
	str(&c.S3AccessKey, "s3-access-key", "S3_ACCESS_KEY", "", "clé d'accès S3")
	str(&c.S3SecretKey, "s3-secret-key", "S3_SECRET_KEY", "", "clé secrète S3")
	str(&c.S3Prefix, "s3-prefix", "S3_PREFIX", "", "préfixe des clés dans le compartiment (finissant par /)")
	str(&c.Referentiel, "referentiel", "DOSSIER_REFERENTIEL", "", "référentiel d'une autre certification (défaut : intégré)")
	str(&c.LogFormat, "log-format", "LOG_FORMAT", "json", "format des journaux : json ou text")
	str(&c.LogLevel, "log-level", "LOG_LEVEL", "info", "niveau des journaux : debug, info, warn, error")
	if which != "work" {
		def := ":8080"
		if which == "dev" {
			def = "127.0.0.1:8080"
		}
		str(&c.Addr, "addr", "DOSSIER_ADDR", def, "adresse d'écoute HTTP")
		str(&c.TokenSecretFile, "token-secret-file", "DOSSIER_TOKEN_SECRET_FILE", "", "fichier du secret qui signe les jetons d'accès"+map[bool]string{true: " (vide : créé sous --data)", false: " (obligatoire)"}[which == "dev"])
		str(&c.PublicKeys, "public-keys", "DOSSIER_PUBLIC_KEYS", "", "clés publiques de vérification des attestations (dossier de .pub ou fichiers séparés par des virgules)")
		str(&c.CDCEmitter, "cdc-emitter", "CDC_EMITTER", "", "identifiant client CDC de l'émetteur des déclarations, 8 caractères")
		str(&c.CDCCertifier, "cdc-certifier", "CDC_CERTIFIER", "", "identifiant client CDC du certificateur, 8 caractères")
		str(&c.CDCContract, "cdc-contract", "CDC_CONTRACT", "", "numéro de contrat CDC du certificateur")
		str(&c.CertificationCode, "certification-code", "DOSSIER_CERTIFICATION_CODE", "", "code RNCP de la certification déclaré à la CDC (défaut : celui du référentiel)")
		fs.BoolVar(&c.QueueMonitor, "queue-monitor", envBool("DOSSIER_QUEUE_MONITOR", true), "console de la file (asynqmon, lecture seule) sous /admin/queues/ pour les administrateurs ($DOSSIER_QUEUE_MONITOR)")
	}
	if which != "serve" {
		str(&c.SigningKey, "signing-key", "DOSSIER_SIGNING_KEY", "", "clé privée Ed25519 qui signe les attestations (dossier keygen)")
		str(&c.Certifier, "certifier", "DOSSIER_CERTIFIER", "", "nom de l'organisme certificateur")
		str(&c.VerifyBase, "verify-base", "DOSSIER_VERIFY_BASE", "", "URL publique de base de la vérification des attestations")
		str(&c.AttestPrefix, "attest-prefix", "DOSSIER_ATTEST_PREFIX", "CAE", "préfixe des numéros d'attestation")
		if which == "work" {
			str(&c.MetricsAddr, "metrics-addr", "DOSSIER_METRICS_ADDR", ":9090", "adresse de /metrics et /healthz du worker (vide : aucune)")
		}
		fs.IntVar(&c.Concurrency, "concurrency", envInt("DOSSIER_CONCURRENCY", 0), "tâches traitées en même temps (0 : nombre de processeurs) ($DOSSIER_CONCURRENCY)")
		fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", envDuration("DOSSIER_SHUTDOWN_TIMEOUT", 30*time.Second), "délai laissé aux tâches en cours à l'arrêt ; au-delà elles reviennent en file ($DOSSIER_SHUTDOWN_TIMEOUT)")
		fs.Int64Var(&c.Limits.MaxBytes, "max-size", envInt64("DOSSIER_MAX_SIZE", extract.DefaultMaxBytes), "taille maximale d'un document, en octets ($DOSSIER_MAX_SIZE)")
		fs.IntVar(&c.Limits.MaxPages, "max-pages", envInt("DOSSIER_MAX_PAGES", extract.DefaultMaxPages), "nombre maximal de pages lues ($DOSSIER_MAX_PAGES)")
		fs.DurationVar(&c.Limits.Timeout, "read-timeout", envDuration("DOSSIER_READ_TIMEOUT", extract.DefaultTimeout), "durée maximale de lecture d'un document ($DOSSIER_READ_TIMEOUT)")
	} else {
		fs.Int64Var(&c.Limits.MaxBytes, "max-size", envInt64("DOSSIER_MAX_SIZE", extract.DefaultMaxBytes), "taille maximale d'un document déposé, en octets ($DOSSIER_MAX_SIZE)")
	}
	if which == "dev" {
		str(&c.DataDir, "data", "DOSSIER_DATA", "data", "dossier des données du mode intégré (stockage, clés, jeton admin)")
	}
}

// check reports the settings a command cannot run without, all at once.
func (c *serviceConfig) check(which string) error {
	var missing []string
	if which != "dev" {
		if c.RedisAddr == "" {
			missing = append(missing, "--redis-addr ($REDIS_ADDR)")
		}
		if c.S3Endpoint == "" {
			missing = append(missing, "--s3-endpoint ($S3_ENDPOINT)")
		}
		if which == "serve" && c.TokenSecretFile == "" {
			missing = append(missing, "--token-secret-file ($DOSSIER_TOKEN_SECRET_FILE)")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("réglages manquants : %s", strings.Join(missing, ", "))
	}
	return nil
}

// logger builds the program's logger: JSON lines by default.
func (c *serviceConfig) logger(w *os.File) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
