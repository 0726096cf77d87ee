// Package deploy holds the deployment files of dossier and their tests: the
// container image (Dockerfile), a single-host stack for Docker Compose
// (compose.yaml, .env.example) and Kubernetes manifests (k8s/). It has no
// code. The tests parse every file and check that it only uses the flags
// and environment variables the binary declares in cmd/dossier/config.go,
// so that the files cannot drift from the program they run.
package deploy
