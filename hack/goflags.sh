#!/usr/bin/env bash
# hack/goflags.sh — print the GOFLAGS every build of this project uses: the tools (hack/tools.sh), the tests, the
# runner and the program the Go language host builds under `pulumi up` (Makefile exports it to all of them).
#
# Why one set: the build cache keys a package by its compiler flags, so a package the tools and the tests share
# (the standard library, golang.org/x) compiles once only when both use the same flags.
#
# -dwarf=false everywhere: nobody debugs these binaries (the linker strips DWARF from test binaries anyway), and
# DWARF costs about a quarter of a package's compile time.
#
# No inlining (-l) in generated code whose speed nobody waits on: resource registration of the Pulumi SDKs, the
# Kubernetes apply configurations and OpenAPI tables, the cloud SDKs the Pulumi CLI links for state backends and
# secrets providers this project does not use. Measured on the Kubernetes SDK's core/v1 package: 60 CPU s to compile
# by default, 45 without DWARF, 34 without DWARF and inlining.
set -euo pipefail

no_inline=(
  github.com/pulumi/pulumi-kubernetes/sdk/v4/...
  github.com/pulumi/pulumi-aws/sdk/v6/...
  github.com/pulumi/pulumi-eks/sdk/v2/...
  github.com/pulumi/pulumi-azure-native-sdk/...
  k8s.io/client-go/applyconfigurations/...
  k8s.io/kubernetes/pkg/generated/openapi
  github.com/aws/aws-sdk-go-v2/...
  github.com/Azure/azure-sdk-for-go/...
  cloud.google.com/go/...
  google.golang.org/api/...
)

flags=(-gcflags=all=-dwarf=false)
for p in "${no_inline[@]}"; do
  # A later -gcflags pattern wins over an earlier one for the packages it matches; the quotes keep the two
  # compiler flags in one GOFLAGS word (cmd/go splits GOFLAGS with quoting).
  flags+=("\"-gcflags=$p=-l -dwarf=false\"")
done
echo "${flags[*]}"
