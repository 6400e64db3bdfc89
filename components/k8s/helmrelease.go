package k8s

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// helmReleaseType is the Kubernetes provider's Helm release resource.
const helmReleaseType = "kubernetes:helm.sh/v3:Release"

// helmRelease is a Helm release of the Kubernetes provider, the provider-side resource the SDK's helm/v3 package
// registers. That package is not imported: it imports the SDK's yaml package and so every API group of the SDK
// (69 generated packages instead of 13), about 680 of the 854 CPU seconds a cold build of this program's tests
// spends on the Kubernetes SDK, for one resource that only the cert-manager install uses.
type helmRelease struct {
	pulumi.CustomResourceState
}

// helmReleaseArgs are the inputs the Gateway sets (the names of the provider's Release schema).
type helmReleaseArgs struct {
	Name, Chart, Version, Namespace, Repo string
	CreateNamespace                       bool
	Values                                pulumi.Map
}

// newHelmRelease registers the release as the SDK's helmv3.NewRelease does: with compat "true" (the SDK sets it on
// every release, so the provider treats it as one the SDK made) and the SDK's provider version as the default.
func newHelmRelease(ctx *pulumi.Context, name string, a helmReleaseArgs, opts ...pulumi.ResourceOption) (*helmRelease, error) {
	var r helmRelease
	err := ctx.RegisterResource(helmReleaseType, name, pulumi.Map{
		"name":            pulumi.String(a.Name),
		"chart":           pulumi.String(a.Chart),
		"version":         pulumi.String(a.Version),
		"namespace":       pulumi.String(a.Namespace),
		"createNamespace": pulumi.Bool(a.CreateNamespace),
		"repositoryOpts":  pulumi.Map{"repo": pulumi.String(a.Repo)},
		"values":          a.Values,
		"compat":          pulumi.String("true"),
	}, &r, utilities.PkgResourceDefaultOpts(opts)...)
	if err != nil {
		return nil, err
	}
	return &r, nil
}
