package aws

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RegistryArgs configures a Registry.
type RegistryArgs struct {
	// Repositories are the ECR repository names (e.g. "egov/egov-user"). Required, unique.
	Repositories []string
	// Protect protects the repositories' KMS key from deletion by Pulumi: without it no image could be pulled.
	// Default false.
	Protect bool
	// Tags are added to every repository and the key. Default none.
	Tags map[string]string
}

// Registry is a set of private ECR repositories that DIGIT images are mirrored into.
type Registry struct {
	pulumi.ResourceState

	// RegistryURL is <account>.dkr.ecr.<region>.amazonaws.com, the prefix of every repository URL.
	RegistryURL pulumi.StringOutput
	// RepositoryUrls maps each repository name to its full URL.
	RepositoryUrls map[string]pulumi.StringOutput
}

// ecrNamePattern is ECR's repository name syntax.
var ecrNamePattern = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

// lifecyclePolicy keeps the 30 most recent tagged images and drops untagged ones after 14 days. ECR evaluates
// rules by priority; the tagged rule cannot select untagged images, so the two never compete.
var lifecyclePolicy = mustJSON(map[string]any{"rules": []any{
	map[string]any{
		"rulePriority": 1,
		"description":  "expire untagged images after 14 days",
		"selection": map[string]any{"tagStatus": "untagged", "countType": "sinceImagePushed",
			"countUnit": "days", "countNumber": 14},
		"action": map[string]any{"type": "expire"},
	},
	map[string]any{
		"rulePriority": 2,
		"description":  "keep the last 30 tagged images",
		"selection": map[string]any{"tagStatus": "tagged", "tagPatternList": []string{"*"},
			"countType": "imageCountMoreThan", "countNumber": 30},
		"action": map[string]any{"type": "expire"},
	},
}})

func (a *RegistryArgs) validate(name string) error {
	fail := func(field, f string, v ...any) error { return argError("Registry", name, field, f, v...) }
	if len(a.Repositories) == 0 {
		return fail("Repositories", "at least one repository is required")
	}
	for i, r := range a.Repositories {
		if len(r) < 2 || len(r) > 256 || !ecrNamePattern.MatchString(r) {
			return fail("Repositories", "%q is not an ECR repository name (lower-case, digits, . _ - separators, / for namespaces, 2-256 chars)", r)
		}
		if slices.Index(a.Repositories, r) != i {
			return fail("Repositories", "%q is listed twice", r)
		}
	}
	return nil
}

// NewRegistry creates the repositories.
func NewRegistry(ctx *pulumi.Context, name string, args RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	comp := &Registry{RepositoryUrls: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResourceV2("digit:aws:Registry", name, pulumi.Map{
		"repositories": pulumi.ToStringArray(args.Repositories),
	}, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	// ECR reaches the key through grants it makes on the repository's creation; pulling needs no KMS permission.
	key, err := newKey(ctx, name+"-images", "ECR images of "+name, mergeTags(args.Tags, nil),
		append([]pulumi.ResourceOption{parent}, stateful(args.Protect, false)...)...)
	if err != nil {
		return nil, err
	}
	urls := pulumi.StringMap{}
	for _, repoName := range args.Repositories {
		resName := fmt.Sprintf("%s-%s", name, repoName)
		repo, err := ecr.NewRepository(ctx, resName, &ecr.RepositoryArgs{
			// Image references carry the name, so it is fixed rather than auto-named.
			Name: pulumi.String(repoName),
			// Immutable tags: a tag deployed once always means the same image, which keeps rollbacks honest.
			ImageTagMutability: pulumi.String("IMMUTABLE"),
			ImageScanningConfiguration: ecr.RepositoryImageScanningConfigurationArgs{
				ScanOnPush: pulumi.Bool(true),
			},
			EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
				ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS"), KmsKey: key.Arn},
			},
			Tags: mergeTags(args.Tags, nil),
			// ECR fixes a repository's encryption when it is created: a change would replace the repository and
			// delete its images. A repository made before the stack's key keeps ECR's own key; new ones get the
			// stack's (ignoreChanges does not apply to a create).
		}, parent, pulumi.IgnoreChanges([]string{"encryptionConfigurations"}))
		if err != nil {
			return nil, err
		}
		if _, err := ecr.NewLifecyclePolicy(ctx, resName, &ecr.LifecyclePolicyArgs{
			Repository: repo.Name,
			Policy:     pulumi.String(lifecyclePolicy),
		}, parent); err != nil {
			return nil, err
		}
		comp.RepositoryUrls[repoName] = repo.RepositoryUrl
		urls[repoName] = repo.RepositoryUrl
	}
	// Taking the host from a repository URL gets the account, region and partition DNS suffix exactly as ECR
	// reports them, without extra lookups.
	comp.RegistryURL = comp.RepositoryUrls[args.Repositories[0]].ApplyT(func(u string) string {
		host, _, _ := strings.Cut(u, "/")
		return host
	}).(pulumi.StringOutput)
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"registryUrl":    comp.RegistryURL,
		"repositoryUrls": urls,
	})
}
