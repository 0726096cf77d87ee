package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/httpapi"
	"github.com/dossier-cert/dossier/worker"
)

// serviceConfig is the configuration of serve, work and dev. Every setting
// is a flag whose default can be set by the environment variable named in
// its help; the defaults are those shown by "dossier serve -h".
type serviceConfig struct {
	// Redis (asynq's broker): one server (RedisAddr), or a master watched
	// by Sentinel (RedisSentinelMaster and RedisSentinelAddrs), or a Redis
	// Cluster (RedisClusterAddrs); serve and work need exactly one. dev
	// starts an in-process Redis when RedisAddr is empty, and knows neither
	// Sentinel nor Cluster.
	RedisAddr             string
	RedisPassword         string
	RedisDB               int
	RedisSentinelMaster   string
	RedisSentinelAddrs    string // host:port, separated by commas
	RedisSentinelPassword string // the sentinels' own password
	RedisClusterAddrs     string // host:port of some nodes, separated by commas

	// S3-compatible storage. dev starts an in-process server when empty.
	S3Endpoint  string
	S3Bucket    string
	S3Region    string
	S3AccessKey string
	S3SecretKey string
	S3Prefix    string

	// Tokens and attestations.
	TokenSecretFile    string // HMAC secret for access tokens
	SigningKey         string // Ed25519 private key (dossier keygen)
	SigningCertificate string // certificate and key (PEM) that seal the attestations' PDFs
	PublicKeys         string // public keys that verify attestations: a folder of .pub, or files separated by commas
	Certifier          string // certification body's raison sociale, printed on attestations
	VerifyBase         string // public base URL of /verify
	AttestPrefix       string // prefix of attestation numbers
	// work, dev: the mentions of the attestations that are settings (the
	// others override the referentiel's: see CertificationCode).
	Place, Signatory, SignatoryRole, SignatureImage string
	RNCPDecisionDate, Level, NSF                    string

	// serve, dev: the declaration of holders to the Caisse des Dépôts
	// (the admin page's CDC export), and the queue's web console.
	CDCEmitter, CDCCertifier, CDCContract string
	CertificationCode                     string // RNCP code, when the referentiel has none
	QueueMonitor                          bool   // serve asynqmon, read-only, to admins

	// serve, dev: login links and whom to ask for one.
	TokenAfterJury time.Duration // links last until the session's jury date plus this
	Contact        string        // whom people ask for a new link or for help

	// serve, dev: the longest validity of a token the API honours, for
	// candidates and for staff (httpapi.Config.MaxTokenTTL,
	// MaxStaffTokenTTL); "dossier token" reads the same.
	MaxTokenTTL, MaxStaffTokenTTL time.Duration

	// serve, dev: the bounds of uploads (httpapi.Config).
	MaxSpoolBytes     int64
	UploadIdleTimeout time.Duration
	MaxUploadsPerUser int
	MaxVersions       int

	Referentiel string // another certification's referentiel (JSON file)
	Model       string // the detector's model trained for it (dossier train)
	Limits      extract.Limits

	// serve, dev: the rate limit of the public routes (/login, /verify)
	// per client address, and the reverse proxies whose X-Forwarded-For
	// names the client (httpapi.Config).
	PublicRate, PublicBurst, RateClients int
	TrustedProxies                       string // addresses and networks, separated by commas

	Addr            string        // serve, dev: listen address
	MetricsAddr     string        // address of /metrics (and of /healthz for work), apart from the API's
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
	str(&c.RedisAddr, "redis-addr", "REDIS_ADDR", "", "adresse de Redis, hôte:port"+map[bool]string{true: " (vide : Redis intégré)", false: " (obligatoire, sauf avec Sentinel ou Cluster)"}[which == "dev"])
	str(&c.RedisPassword, "redis-password", "REDIS_PASSWORD", "", "mot de passe de Redis")
	fs.IntVar(&c.RedisDB, "redis-db", envInt("REDIS_DB", 0), "base Redis ($REDIS_DB)")
	if which != "dev" {
		str(&c.RedisSentinelMaster, "redis-sentinel-master", "REDIS_SENTINEL_MASTER", "", "Redis Sentinel : nom du maître surveillé (au lieu de --redis-addr, avec --redis-sentinel-addrs)")
		str(&c.RedisSentinelAddrs, "redis-sentinel-addrs", "REDIS_SENTINEL_ADDRS", "", "Redis Sentinel : adresses des sentinelles, hôte:port séparés par des virgules")
		str(&c.RedisSentinelPassword, "redis-sentinel-password", "REDIS_SENTINEL_PASSWORD", "", "Redis Sentinel : mot de passe des sentinelles elles-mêmes, s'il y en a un (celui du maître est --redis-password)")
		str(&c.RedisClusterAddrs, "redis-cluster-addrs", "REDIS_CLUSTER_ADDRS", "", "Redis Cluster : adresses de quelques nœuds, hôte:port séparés par des virgules (au lieu de --redis-addr ; base 0 seulement)")
	}
	str(&c.S3Endpoint, "s3-endpoint", "S3_ENDPOINT", "", "URL du stockage compatible S3"+map[bool]string{true: " (vide : stockage intégré sous --data)", false: " (obligatoire)"}[which == "dev"])
	str(&c.S3Bucket, "s3-bucket", "S3_BUCKET", "dossier", "compartiment (bucket)")
	str(&c.S3Region, "s3-region", "S3_REGION", "us-east-1", "région S3")
	str(&c.S3AccessKey, "s3-access-key", "S3_ACCESS_KEY", "", "clé d'accès S3")
	str(&c.S3SecretKey, "s3-secret-key", "S3_SECRET_KEY", "", "clé secrète S3")
	str(&c.S3Prefix, "s3-prefix", "S3_PREFIX", "", "préfixe des clés dans le compartiment (finissant par /)")
	str(&c.Referentiel, "referentiel", "DOSSIER_REFERENTIEL", "", "référentiel d'une autre certification (défaut : intégré)")
	str(&c.Model, "model", "DOSSIER_MODEL", "", "modèle du repérage appris pour ce référentiel (dossier train ; défaut : le modèle intégré, ou les règles du référentiel donné)")
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
		fs.BoolVar(&c.QueueMonitor, "queue-monitor", envBool("DOSSIER_QUEUE_MONITOR", true), "console de la file (asynqmon, lecture seule) sous /admin/queues/ pour les administrateurs ($DOSSIER_QUEUE_MONITOR)")
		fs.DurationVar(&c.TokenAfterJury, "token-after-jury", envDuration("DOSSIER_TOKEN_AFTER_JURY", httpapi.DefaultTokenAfterJury), "les liens de connexion durent jusqu'à la date du jury de leur session plus ce délai, pour lire le résultat ($DOSSIER_TOKEN_AFTER_JURY)")
		str(&c.Contact, "contact", "DOSSIER_CONTACT", "", "à qui demander un nouveau lien de connexion ou de l'aide (adresse, service), dit aux personnes dont le lien a expiré")
		fs.IntVar(&c.PublicRate, "public-rate", envInt("DOSSIER_PUBLIC_RATE", httpapi.DefaultPublicRate), "requêtes par minute permises à une adresse sur /login, et autant sur /verify, en moyenne ; au-delà, 429 (négatif : aucune limite) ($DOSSIER_PUBLIC_RATE)")
		fs.IntVar(&c.PublicBurst, "public-burst", envInt("DOSSIER_PUBLIC_BURST", httpapi.DefaultPublicBurst), "requêtes permises d'un coup à une adresse sur /login, et autant sur /verify ($DOSSIER_PUBLIC_BURST)")
		fs.IntVar(&c.RateClients, "rate-clients", envInt("DOSSIER_RATE_CLIENTS", httpapi.DefaultRateClients), "adresses suivies au plus par la limite de /login, et autant pour /verify ; les moins récentes sont oubliées ($DOSSIER_RATE_CLIENTS)")
		str(&c.TrustedProxies, "trusted-proxies", "DOSSIER_TRUSTED_PROXIES", "", "mandataires inverses (reverse proxies) de confiance, adresses ou réseaux CIDR séparés par des virgules : pour leurs requêtes, le client est lu dans X-Forwarded-For (vide : jamais)")
		str(&c.MetricsAddr, "metrics-addr", "DOSSIER_METRICS_ADDR", "127.0.0.1:9090", "adresse de /metrics, à part de l'API publique : à ne pas publier (vide : aucune)")
		fs.DurationVar(&c.MaxTokenTTL, "max-token-ttl", envDuration("DOSSIER_MAX_TOKEN_TTL", httpapi.DefaultMaxTokenTTL), "validité maximale d'un jeton de candidat : au-delà, le serveur le refuse ($DOSSIER_MAX_TOKEN_TTL)")
		fs.DurationVar(&c.MaxStaffTokenTTL, "max-staff-token-ttl", envDuration("DOSSIER_MAX_STAFF_TOKEN_TTL", httpapi.DefaultMaxStaffTokenTTL), "validité maximale d'un jeton d'évaluateur ou d'administrateur ($DOSSIER_MAX_STAFF_TOKEN_TTL)")
		fs.Int64Var(&c.MaxSpoolBytes, "max-spool", envInt64("DOSSIER_MAX_SPOOL", 0), "octets que les envois en cours occupent au plus ensemble dans le répertoire temporaire ; au-delà : 503, réessayer (0 : 10 fois --max-size) ($DOSSIER_MAX_SPOOL)")
		fs.DurationVar(&c.UploadIdleTimeout, "upload-idle-timeout", envDuration("DOSSIER_UPLOAD_IDLE_TIMEOUT", httpapi.DefaultUploadIdleTimeout), "un envoi dont rien n'arrive pendant ce délai échoue et son fichier temporaire est supprimé ($DOSSIER_UPLOAD_IDLE_TIMEOUT)")
		fs.IntVar(&c.MaxUploadsPerUser, "max-uploads-per-user", envInt("DOSSIER_MAX_UPLOADS_PER_USER", httpapi.DefaultMaxUploadsPerUser), "envois simultanés d'une même personne ; au-delà : 429 ($DOSSIER_MAX_UPLOADS_PER_USER)")
		fs.IntVar(&c.MaxVersions, "max-versions", envInt("DOSSIER_MAX_VERSIONS", httpapi.DefaultMaxVersions), "versions conservées de chaque document (fichier, texte, constats) ; les plus anciennes au-delà sont supprimées ($DOSSIER_MAX_VERSIONS)")
	}
	str(&c.CertificationCode, "certification-code", "DOSSIER_CERTIFICATION_CODE", "", "code RNCP de la certification, imprimé sur les attestations et déclaré à la CDC (défaut : celui du référentiel)")
	if which != "serve" {
		str(&c.SigningKey, "signing-key", "DOSSIER_SIGNING_KEY", "", "clé privée Ed25519 qui signe les attestations (dossier keygen)")
		str(&c.SigningCertificate, "signing-certificate", "DOSSIER_SIGNING_CERTIFICATE", "", "certificat de cachet et sa clé (PEM) qui signent le PDF des attestations (dossier keygen, ou celui d'une autorité de certification)")
		str(&c.Certifier, "certifier", "DOSSIER_CERTIFIER", "", "raison sociale de l'organisme certificateur")
		str(&c.Place, "place", "DOSSIER_PLACE", "", "lieu de délivrance des attestations : « Fait à … »")
		str(&c.Signatory, "signatory", "DOSSIER_SIGNATORY", "", "nom du responsable de l'organisme qui signe les attestations")
		str(&c.SignatoryRole, "signatory-role", "DOSSIER_SIGNATORY_ROLE", "", "fonction du signataire des attestations")
		str(&c.SignatureImage, "signature-image", "DOSSIER_SIGNATURE_IMAGE", "", "image PNG ou JPEG de la signature manuscrite du signataire (facultatif)")
		str(&c.RNCPDecisionDate, "rncp-decision-date", "DOSSIER_RNCP_DECISION_DATE", "", "date de la décision de France compétences qui a enregistré la certification au RNCP, AAAA-MM-JJ (défaut : celle du référentiel)")
		str(&c.Level, "level", "DOSSIER_CERTIFICATION_LEVEL", "", "niveau de la certification dans la nomenclature nationale, 1 à 8 (défaut : celui du référentiel)")
		str(&c.NSF, "nsf", "DOSSIER_CERTIFICATION_NSF", "", "code(s) NSF de la certification, séparés par des virgules (défaut : ceux du référentiel)")
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

// check reports the settings a command cannot run without, and those
// that contradict each other, all at once.
func (c *serviceConfig) check(which string) error {
	var missing, wrong []string
	if which != "dev" {
		if c.RedisAddr == "" && c.RedisSentinelAddrs == "" && c.RedisSentinelMaster == "" && c.RedisClusterAddrs == "" {
			missing = append(missing, "--redis-addr ($REDIS_ADDR) (ou --redis-sentinel-master et --redis-sentinel-addrs, ou --redis-cluster-addrs)")
		}
		wrong = c.checkRedis()
		if c.S3Endpoint == "" {
			missing = append(missing, "--s3-endpoint ($S3_ENDPOINT)")
		}
		if which == "serve" && c.TokenSecretFile == "" {
			missing = append(missing, "--token-secret-file ($DOSSIER_TOKEN_SECRET_FILE)")
		}
	}
	if len(missing) > 0 {
		wrong = append([]string{"réglages manquants : " + strings.Join(missing, ", ")}, wrong...)
	}
	if len(wrong) > 0 {
		return errors.New(strings.Join(wrong, " ; "))
	}
	return nil
}

// checkRedis says what is wrong with the Redis settings of serve and
// work: one way to reach Redis only (a server, Sentinel or Cluster), each
// complete, addresses as host:port.
func (c *serviceConfig) checkRedis() []string {
	var wrong, ways []string
	if c.RedisAddr != "" {
		ways = append(ways, "--redis-addr ($REDIS_ADDR)")
	}
	if c.RedisSentinelAddrs != "" || c.RedisSentinelMaster != "" {
		ways = append(ways, "--redis-sentinel-… ($REDIS_SENTINEL_MASTER, $REDIS_SENTINEL_ADDRS)")
	}
	if c.RedisClusterAddrs != "" {
		ways = append(ways, "--redis-cluster-addrs ($REDIS_CLUSTER_ADDRS)")
	}
	if len(ways) > 1 {
		wrong = append(wrong, fmt.Sprintf("%s sont renseignés ensemble : gardez-en un seul (un Redis seul, Sentinel ou Cluster) et videz les autres",
			strings.Join(ways, " et ")))
	}
	switch {
	case c.RedisSentinelAddrs != "" && c.RedisSentinelMaster == "":
		wrong = append(wrong, "--redis-sentinel-addrs sans --redis-sentinel-master ($REDIS_SENTINEL_MASTER) : donnez le nom du maître que les sentinelles surveillent (celui de « sentinel monitor », souvent mymaster)")
	case c.RedisSentinelMaster != "" && c.RedisSentinelAddrs == "":
		wrong = append(wrong, "--redis-sentinel-master sans --redis-sentinel-addrs ($REDIS_SENTINEL_ADDRS) : donnez les adresses hôte:port des sentinelles, séparées par des virgules")
	}
	if c.RedisSentinelPassword != "" && c.RedisSentinelAddrs == "" {
		wrong = append(wrong, "--redis-sentinel-password ($REDIS_SENTINEL_PASSWORD) ne sert qu'avec Sentinel : renseignez --redis-sentinel-addrs ou videz-le")
	}
	if c.RedisClusterAddrs != "" && c.RedisDB != 0 {
		wrong = append(wrong, fmt.Sprintf("--redis-db %d avec --redis-cluster-addrs : un Redis Cluster n'a que la base 0 ; videz $REDIS_DB ou mettez 0", c.RedisDB))
	}
	for _, f := range []struct{ flag, list string }{{"--redis-sentinel-addrs", c.RedisSentinelAddrs}, {"--redis-cluster-addrs", c.RedisClusterAddrs}} {
		if f.list != "" && len(splitList(f.list)) == 0 {
			wrong = append(wrong, fmt.Sprintf("%s : aucune adresse hôte:port dans « %s »", f.flag, f.list))
		}
		for _, a := range splitList(f.list) {
			if host, port, err := net.SplitHostPort(a); err != nil || host == "" || port == "" {
				wrong = append(wrong, fmt.Sprintf("%s : « %s » n'est pas une adresse hôte:port", f.flag, a))
			}
		}
	}
	return wrong
}

// splitList splits a list separated by commas, without blanks or empty
// items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// redisConfig is how serve and work reach Redis: a server, Sentinel or
// Cluster, as check has accepted.
func (c *serviceConfig) redisConfig() worker.RedisConfig {
	return worker.RedisConfig{
		Addr:       c.RedisAddr,
		MasterName: c.RedisSentinelMaster, SentinelAddrs: splitList(c.RedisSentinelAddrs), SentinelPassword: c.RedisSentinelPassword,
		ClusterAddrs: splitList(c.RedisClusterAddrs),
		Password:     c.RedisPassword, DB: c.RedisDB,
	}
}

// redis is redisConfig's connection options, for the queue's client and
// server.
func (c *serviceConfig) redis() worker.RedisConnOpt { return c.redisConfig().ConnOpt() }

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
