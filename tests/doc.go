// Package tests holds the end-to-end tests: the real Pulumi engine and Kubernetes provider deploy the `local` stack
// to the local control plane of hack/localcp.sh (a real apiserver, scheduler and controllers; kwok nodes; a local
// Postgres), and client-go checks what landed on the apiserver.
//
// Run them with the local toolchain built (`bash hack/tools.sh`, about 20 minutes the first time):
//
//	go test ./tests -v -timeout 90m
//
// Environment:
//
//	DIGIT_TOOLS_DIR       where hack/tools.sh keeps the toolchain (default ~/.cache/digit-iac)
//	DIGIT_LOCALCP_ENV     the env file of a control plane that is already running (else one is started and stopped)
//	DIGIT_E2E_OPTIONAL=1  skip, instead of failing, when the toolchain is missing (CI leaves it unset)
//	DIGIT_E2E_LOGDIR      where the engine's progress logs go (default: a temporary directory, kept on failure)
//
// `go test -short` skips them.
package tests
