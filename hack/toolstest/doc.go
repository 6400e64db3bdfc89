// Package toolstest tests the acquisition ladder of hack/tools.sh: a binary named by DIGIT_<TOOL>_BIN or found
// on PATH whose version fits, the cache, a download verified against a sha256, `pulumi plugin install` for the
// Kubernetes provider, and the errors when nothing fits. Every test runs the real script against a temporary
// DIGIT_TOOLS_DIR with fake tool binaries and a local HTTP server, and with DIGIT_TOOLS_BUILD=never, so nothing
// is ever built and nothing leaves the machine; the source builds run in `make tools`, as in CI.
package toolstest
