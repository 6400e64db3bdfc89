// Package azure holds the Azure building blocks of the cloud layer (digit:azure:<Name> components): network, AKS
// cluster, PostgreSQL flexible server, managed disks, container registry and the filestore's storage account.
// infra/azure composes them.
//
// None of them depends on the cluster unless it must: the database, disks, registry and storage need only the
// resource group and the network, so they are created while AKS (the slowest part) comes up.
package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Built-in role definition IDs (the same GUID in every subscription).
const (
	RoleContributor             = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	RoleNetworkContributor      = "4d97b98b-1d4f-4787-a291-c67834d212e7"
	RoleManagedIdentityOperator = "f1a07417-d97a-45cb-824c-7a7467783830"
	RoleAcrPull                 = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
)

// RoleDefinitionID is the full ID of a built-in role in a subscription.
func RoleDefinitionID(subscriptionID, role string) string {
	return fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", subscriptionID, role)
}

// GlobalName is a name for a resource whose name is global across Azure (registries, storage accounts: 3-24 or
// 5-50 lower-case letters and digits): the prefix's letters and digits, cut so that an 8-character hash of seed
// fits within max. The hash makes two subscriptions' stacks of the same name differ; it is computed from plain
// strings, so the name (and the URL derived from it) is known at preview.
func GlobalName(prefix, seed string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(prefix) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	sum := sha256.Sum256([]byte(seed))
	h := hex.EncodeToString(sum[:])[:8]
	p := b.String()
	if len(p) > max-len(h) {
		p = p[:max-len(h)]
	}
	return p + h
}

// NodeZoneLabel is the value of topology.kubernetes.io/zone on an AKS node of a zone: disks and pools take the
// zone as "1", nodes carry "<location>-1".
func NodeZoneLabel(location, zone string) string { return location + "-" + zone }

// TagsInput turns tags into the provider's map.
func TagsInput(tags map[string]string) pulumi.StringMap {
	out := pulumi.StringMap{}
	for k, v := range tags {
		out[k] = pulumi.String(v)
	}
	return out
}

// argErrors collects argument problems, each naming its field, so a component fails before registering anything.
type argErrors struct {
	component string
	errs      []string
}

func (e *argErrors) add(field, format string, args ...any) {
	e.errs = append(e.errs, field+": "+fmt.Sprintf(format, args...))
}

func (e *argErrors) err() error {
	if len(e.errs) == 0 {
		return nil
	}
	sort.Strings(e.errs)
	return fmt.Errorf("%s: invalid arguments:\n  %s", e.component, strings.Join(e.errs, "\n  "))
}

// protectOpts are the options of a resource that holds data: protected when asked, and kept in Azure when the
// stack deletes it while protected.
func protectOpts(protect bool) []pulumi.ResourceOption {
	if !protect {
		return nil
	}
	return []pulumi.ResourceOption{pulumi.Protect(true), pulumi.RetainOnDelete(true)}
}
