package azure_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	azc "github.com/digit-iac/digit/components/azure"
	"github.com/digit-iac/digit/components/azure/aztest"
	infraazure "github.com/digit-iac/digit/infra/azure"
	"github.com/digit-iac/digit/internal/mocktest"
)

const (
	tCluster   = "azure-native:containerservice:ManagedCluster"
	tIdentity  = "azure-native:managedidentity:UserAssignedIdentity"
	tRole      = "azure-native:authorization:RoleAssignment"
	tServer    = "azure-native:dbforpostgresql/v20230601preview:Server"
	tZone      = "azure-native:network:PrivateZone"
	tLink      = "azure-native:network:VirtualNetworkLink"
	tSubnet    = "azure-native:network:Subnet"
	tVnet      = "azure-native:network:VirtualNetwork"
	tDisk      = "azure-native:compute:Disk"
	tRegistry  = "azure-native:containerregistry:Registry"
	tAccount   = "azure-native:storage:StorageAccount"
	tContainer = "azure-native:storage:BlobContainer"
	tLock      = "azure-native:authorization:ManagementLockByScope"
	tRG        = "azure-native:resources:ResourceGroup"
	tPV        = "kubernetes:core/v1:PersistentVolume"
)

// TestAKSPoolsZonesAndSecurity: the pools of the prod shape (3 tainted system nodes, 6 x 4 vCPU / 16 GiB user
// nodes with the autoscaler's range), in zones 1-3 on the stack's subnet, Azure CNI overlay, a user-assigned
// control-plane identity and the kubelet identity made before the cluster, OIDC and workload identity, the
// authorized ranges, Standard tier, the disk CSI driver, node-image upgrades in the maintenance window.
func TestAKSPoolsZonesAndSecurity(t *testing.T) {
	r := deploy(t, mustLoad(t, nil))
	c := only(t, r.m, tCluster)
	sys, user := "agentPoolProfiles[name=system]", "agentPoolProfiles[name=user]"
	if c.String(sys+".mode") != "System" || c.Int(sys+".count") != 3 || c.String(sys+".vmSize") != "Standard_D2s_v5" ||
		!slices.Equal(c.Strings(sys+".nodeTaints"), []string{azc.SystemTaint}) {
		t.Errorf("system pool: %v", c.Get(sys))
	}
	if c.String(user+".mode") != "User" || c.Int(user+".count") != 6 || c.String(user+".vmSize") != "Standard_D4s_v5" ||
		!c.Bool(user+".enableAutoScaling") || c.Int(user+".minCount") != 6 || c.Int(user+".maxCount") != 10 ||
		c.Has(user+".nodeTaints") {
		t.Errorf("user pool: %v", c.Get(user))
	}
	subnet := ""
	for _, s := range r.m.ByType(tSubnet) {
		if strings.HasSuffix(s.Name, "-nodes") {
			subnet = s.ID
		}
	}
	for _, p := range []string{sys, user} {
		if z := c.Strings(p + ".availabilityZones"); !slices.Equal(z, []string{"1", "2", "3"}) {
			t.Errorf("%s zones %v", p, z)
		}
		if c.String(p+".vnetSubnetID") != subnet || subnet == "" {
			t.Errorf("%s subnet %q, want the node subnet %q", p, c.String(p+".vnetSubnetID"), subnet)
		}
	}
	np := "networkProfile"
	if c.String(np+".networkPlugin") != "azure" || c.String(np+".networkPluginMode") != "overlay" ||
		c.String(np+".networkPolicy") == "" || c.String(np+".outboundType") != "userAssignedNATGateway" {
		t.Errorf("network profile: %v", c.Get(np))
	}
	ids := map[string]aztest.Resource{}
	for _, id := range r.m.ByType(tIdentity) {
		ids[id.Name[strings.LastIndex(id.Name, "-")+1:]] = id
	}
	cp, kubelet := ids["plane"], ids["kubelet"]
	if c.String("identity.type") != "UserAssigned" || !slices.Equal(c.Strings("identity.userAssignedIdentities"), []string{cp.ID}) || cp.ID == "" {
		t.Errorf("control-plane identity %v, want [%s]", c.Get("identity"), cp.ID)
	}
	if c.String(`identityProfile.kubeletidentity.resourceId`) != kubelet.ID || kubelet.ID == "" {
		t.Errorf("kubelet identity %v, want %s", c.Get("identityProfile"), kubelet.ID)
	}
	if !c.Bool("oidcIssuerProfile.enabled") || !c.Bool("securityProfile.workloadIdentity.enabled") ||
		!c.Bool("storageProfile.diskCSIDriver.enabled") || c.String("sku.tier") != "Standard" ||
		c.String("autoUpgradeProfile.upgradeChannel") != "node-image" {
		t.Errorf("cluster features: oidc %v, workload identity %v, disk CSI %v, tier %q, channel %q",
			c.Get("oidcIssuerProfile"), c.Get("securityProfile"), c.Get("storageProfile"), c.String("sku.tier"),
			c.String("autoUpgradeProfile.upgradeChannel"))
	}
	if got := c.Strings("apiServerAccessProfile.authorizedIPRanges"); !slices.Equal(got, []string{"203.0.113.0/24"}) {
		t.Errorf("authorized ranges %v", got)
	}
	mw := only(t, r.m, "azure-native:containerservice:MaintenanceConfiguration")
	if mw.String("timeInWeek[0].day") != "Sunday" || mw.Int("timeInWeek[0].hourSlots[0]") != 2 {
		t.Errorf("maintenance window %v", mw.Get("timeInWeek"))
	}
	// The control plane can attach the disks (Contributor on their resource group) and run the nodes' identity.
	roles := map[string]string{}
	for _, ra := range r.m.ByType(tRole) {
		if ra.String("principalId") == cp.Outputs["principalId"].StringValue() {
			roles[ra.String("roleDefinitionId")[strings.LastIndex(ra.String("roleDefinitionId"), "/")+1:]] = ra.String("scope")
		}
	}
	disksRG := ""
	for _, rg := range r.m.ByType(tRG) {
		if strings.HasSuffix(rg.Name, "-disks") {
			disksRG = rg.ID
		}
	}
	if roles[azc.RoleContributor] != disksRG || roles[azc.RoleManagedIdentityOperator] != kubelet.ID {
		t.Errorf("control-plane roles %v; want Contributor on %s and Managed Identity Operator on %s", roles, disksRG, kubelet.ID)
	}
	for _, ra := range r.m.ByType(tRole) {
		if ra.String("principalId") == cp.Outputs["principalId"].StringValue() && !slices.Contains(c.DependsOn, ra.URN) {
			t.Errorf("the cluster does not wait for its control plane's role %s", ra.Name)
		}
	}
}

// aksLogCategories are the resource-log categories Azure offers for Microsoft.ContainerService/managedClusters
// (`az monitor diagnostic-settings categories list`); a diagnostic setting naming another is refused.
var aksLogCategories = []string{"kube-apiserver", "kube-audit", "kube-audit-admin", "kube-controller-manager",
	"kube-scheduler", "cluster-autoscaler", "cloud-controller-manager", "guard", "csi-azuredisk-controller",
	"csi-azurefile-controller", "csi-snapshot-controller"}

// TestClusterLogsGoToAzureMonitor: the monitoring add-on names the stack's workspace; a Container Insights data
// collection rule sends its stream to that workspace and is associated with the cluster under the name AKS's agent
// looks for (without the association the agent, on managed-identity auth, sends nothing); a diagnostic setting on
// the cluster sends the API server's, the audit and the controllers' logs to the same workspace, only in
// categories Azure offers.
func TestClusterLogsGoToAzureMonitor(t *testing.T) {
	r := deploy(t, mustLoad(t, nil))
	c := only(t, r.m, tCluster)
	ws := only(t, r.m, "azure-native:operationalinsights:Workspace")
	if ws.String("sku.name") != "PerGB2018" || ws.Int("retentionInDays") != azc.LogRetentionDays ||
		ws.String("location") != c.String("location") {
		t.Errorf("workspace %v", ws.Inputs)
	}
	if !c.Bool("addonProfiles.omsagent.enabled") ||
		c.String("addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID") != ws.ID ||
		c.String("addonProfiles.omsagent.config.useAADAuth") != "true" {
		t.Errorf("monitoring add-on %v, want it on, managed-identity auth, into %s", c.Get("addonProfiles"), ws.ID)
	}

	rule := only(t, r.m, "azure-native:insights:DataCollectionRule")
	ext := "dataSources.extensions[0]"
	if rule.String("kind") != "Linux" || rule.String(ext+".extensionName") != "ContainerInsights" ||
		!slices.Equal(rule.Strings(ext+".streams"), []string{azc.ContainerInsightsStream}) ||
		!rule.Bool(ext+".extensionSettings.dataCollectionSettings.enableContainerLogV2") {
		t.Errorf("data collection rule sources %v", rule.Get("dataSources"))
	}
	dest := rule.String("destinations.logAnalytics[0].name")
	if rule.String("destinations.logAnalytics[0].workspaceResourceId") != ws.ID || dest == "" {
		t.Errorf("data collection rule destinations %v, want the workspace %s", rule.Get("destinations"), ws.ID)
	}
	if !slices.Equal(rule.Strings("dataFlows[0].streams"), []string{azc.ContainerInsightsStream}) ||
		!slices.Equal(rule.Strings("dataFlows[0].destinations"), []string{dest}) {
		t.Errorf("data flow %v does not carry the stream to destination %q", rule.Get("dataFlows"), dest)
	}
	assoc := only(t, r.m, "azure-native:insights:DataCollectionRuleAssociation")
	if assoc.String("resourceUri") != c.ID || assoc.String("dataCollectionRuleId") != rule.ID ||
		assoc.String("associationName") != azc.ContainerInsightsExtension {
		t.Errorf("association %v, want rule %s on cluster %s named %s", assoc.Inputs, rule.ID, c.ID,
			azc.ContainerInsightsExtension)
	}

	diag := only(t, r.m, "azure-native:insights:DiagnosticSetting")
	if diag.String("resourceUri") != c.ID || diag.String("workspaceId") != ws.ID {
		t.Errorf("diagnostic setting on %q into %q, want the cluster %s into %s", diag.String("resourceUri"),
			diag.String("workspaceId"), c.ID, ws.ID)
	}
	var enabled []string
	for i := range diag.Len("logs") {
		cat := diag.String(fmt.Sprintf("logs[%d].category", i))
		if !slices.Contains(aksLogCategories, cat) {
			t.Errorf("category %q is not one Azure offers for AKS: the setting would be refused", cat)
		}
		if diag.Bool(fmt.Sprintf("logs[%d].enabled", i)) {
			enabled = append(enabled, cat)
		}
	}
	for _, want := range []string{"kube-apiserver", "kube-audit-admin"} {
		if !slices.Contains(enabled, want) {
			t.Errorf("control-plane logs %v lack %s", enabled, want)
		}
	}
}

// TestEntraIDTurnsLocalAccountsOff: admin groups make access go through Entra ID only.
func TestEntraIDTurnsLocalAccountsOff(t *testing.T) {
	group := "11111111-2222-3333-4444-555555555555"
	r := deploy(t, mustLoad(t, map[string]string{"digit:entraId": `{"tenantId": "` + aztest.TenantID + `", "adminGroupObjectIds": ["` + group + `"]}`}))
	c := only(t, r.m, tCluster)
	if !c.Bool("disableLocalAccounts") || !c.Bool("aadProfile.managed") ||
		!slices.Equal(c.Strings("aadProfile.adminGroupObjectIDs"), []string{group}) {
		t.Errorf("entra: disableLocalAccounts %v, aad %v", c.Get("disableLocalAccounts"), c.Get("aadProfile"))
	}
	if d := deploy(t, mustLoad(t, nil)); only(t, d.m, tCluster).Bool("disableLocalAccounts") {
		t.Error("local accounts are off without Entra ID admin groups: nobody could log in")
	}
}

// TestDatabaseIsPrivateInALinkedZone: the server sits in the delegated subnet with no public access, its private
// DNS zone is linked to the VNet, HA is zone-redundant with geo-redundant backups, the password is a secret.
func TestDatabaseIsPrivateInALinkedZone(t *testing.T) {
	r := deploy(t, mustLoad(t, nil))
	s := only(t, r.m, tServer)
	zone, link, vnet := only(t, r.m, tZone), only(t, r.m, tLink), only(t, r.m, tVnet)
	var dbSubnet aztest.Resource
	for _, sn := range r.m.ByType(tSubnet) {
		if strings.HasSuffix(sn.Name, "-db") {
			dbSubnet = sn
		}
	}
	if s.String("network.delegatedSubnetResourceId") != dbSubnet.ID || dbSubnet.String("delegations[0].serviceName") != azc.PostgresDelegation {
		t.Errorf("server subnet %q, delegated subnet %q (%v)", s.String("network.delegatedSubnetResourceId"), dbSubnet.ID, dbSubnet.Get("delegations"))
	}
	if s.String("network.privateDnsZoneArmResourceId") != zone.ID || s.String("network.publicNetworkAccess") != "Disabled" {
		t.Errorf("server network %v; zone %s", s.Get("network"), zone.ID)
	}
	if link.String("virtualNetwork.id") != vnet.ID || link.String("privateZoneName") != zone.Outputs["name"].StringValue() {
		t.Errorf("zone link %v, want VNet %s and zone %s", link.Get(""), vnet.ID, zone.Outputs["name"].StringValue())
	}
	if s.String("highAvailability.mode") != "ZoneRedundant" || s.String("backup.geoRedundantBackup") != "Enabled" ||
		s.Int("backup.backupRetentionDays") != 14 || s.String("version") != "15" || s.String("sku.name") != "Standard_D4ds_v5" ||
		s.String("sku.tier") != "GeneralPurpose" || s.Int("storage.storageSizeGB") != 128 || s.String("storage.autoGrow") != "Enabled" {
		t.Errorf("server: %v", s.Get(""))
	}
	if !s.IsSecret("administratorLoginPassword") {
		t.Error("the administrator password is not a secret")
	}
	if paths := r.m.PlaintextPaths(testPassword); len(paths) > 0 {
		t.Errorf("the database password is in plaintext at %v", paths)
	}
	if lock := only(t, r.m, tLock); lock.String("scope") != s.ID || lock.String("level") != "CanNotDelete" {
		t.Errorf("lock %v on %s", lock.Get(""), s.ID)
	}
	// Only Postgres from the node subnet reaches the database subnet.
	for _, nsg := range r.m.ByType("azure-native:network:NetworkSecurityGroup") {
		if strings.HasSuffix(nsg.Name, "-db") && (nsg.String("securityRules[0].destinationPortRange") != "5432" ||
			nsg.String("securityRules[0].sourceAddressPrefix") != "10.0.0.0/17") {
			t.Errorf("database NSG rules %v", nsg.Get("securityRules"))
		}
	}
}

// TestDisksSpreadOverZonesEncrypted: one disk per replica, zones round-robin, encrypted, no network export.
func TestDisksSpreadOverZonesEncrypted(t *testing.T) {
	cfg := mustLoad(t, nil)
	r := deploy(t, cfg)
	disks := r.m.ByType(tDisk)
	if want := 12; len(disks) != want {
		t.Fatalf("%d disks, want %d (3 replicas of 4 roles)", len(disks), want)
	}
	perRole := map[string][]string{}
	for _, d := range disks {
		role := d.Name[len("digit-azure-prod-"):strings.LastIndex(d.Name, "-")]
		perRole[role] = append(perRole[role], d.String("zones[0]"))
		if d.String("encryption.type") != "EncryptionAtRestWithPlatformKey" || d.String("networkAccessPolicy") != "DenyAll" ||
			d.String("sku.name") != "Premium_LRS" {
			t.Errorf("disk %s: %v", d.Name, d.Get(""))
		}
		if !d.Protect || !d.RetainOnDelete {
			t.Errorf("disk %s is not protected and retained in prod", d.Name)
		}
	}
	for role, zones := range perRole {
		slices.Sort(zones)
		if !slices.Equal(zones, []string{"1", "2", "3"}) {
			t.Errorf("%s disks are in zones %v, want one in each of 1, 2, 3", role, zones)
		}
	}
}

// TestProtectionInProd: what holds data is protected and kept; a dev-shaped stack protects nothing.
func TestProtectionInProd(t *testing.T) {
	r := deploy(t, mustLoad(t, nil))
	for _, typ := range []string{tServer, tAccount, tContainer, tRG} {
		for _, res := range r.m.ByType(typ) {
			if !res.Protect || !res.RetainOnDelete {
				t.Errorf("%s %s: protect %v, retain %v", typ, res.Name, res.Protect, res.RetainOnDelete)
			}
		}
	}
	dev := deploy(t, mustLoad(t, map[string]string{"digit:protect": "false", "digit:geoRedundantBackup": "",
		`digit:database`: `{"deletionProtection": false}`}))
	for _, res := range dev.m.All() {
		if res.Protect {
			t.Errorf("unprotected stack: %s %s is protected", res.Type, res.Name)
		}
	}
	if len(dev.m.ByType(tLock)) != 0 {
		t.Error("a lock without deletionProtection")
	}
}

// TestRegistryAdminOffAndAcrPullToKubelet: no admin user; the kubelet identity pulls; the URL is known at preview.
func TestRegistryAdminOffAndAcrPullToKubelet(t *testing.T) {
	r := deploy(t, mustLoad(t, map[string]string{"digit:registry": `{"mirror": true}`}))
	reg := only(t, r.m, tRegistry)
	if reg.Bool("adminUserEnabled") || !reg.Has("adminUserEnabled") {
		t.Errorf("registry admin user: %v", reg.Get("adminUserEnabled"))
	}
	var kubelet aztest.Resource
	for _, id := range r.m.ByType(tIdentity) {
		if strings.HasSuffix(id.Name, "-kubelet") {
			kubelet = id
		}
	}
	found := false
	for _, ra := range r.m.ByType(tRole) {
		if strings.HasSuffix(ra.String("roleDefinitionId"), azc.RoleAcrPull) {
			found = true
			if ra.String("scope") != reg.ID || ra.String("principalId") != kubelet.Outputs["principalId"].StringValue() {
				t.Errorf("AcrPull %v; want the kubelet identity on %s", ra.Get(""), reg.ID)
			}
		}
	}
	if !found {
		t.Fatal("no AcrPull role assignment")
	}
	url := reg.String("registryName") + ".azurecr.io"
	if u, _ := mocktest.AwaitString(t, pulumi.ToOutput(r.outputs["registryUrl"])); u != url {
		t.Errorf("registryUrl %q, want %q", u, url)
	}
	// Mirroring prefixes images with it.
	for _, d := range r.m.ByType("kubernetes:apps/v1:Deployment") {
		if img := d.String("spec.template.spec.containers[0].image"); !strings.HasPrefix(img, url+"/") {
			t.Errorf("%s runs %s, not from %s", d.MetadataName(), img, url)
		}
	}
}

// TestKubeconfigIsASecret: the cluster's kubeconfig reaches the output and the Kubernetes provider as a secret.
func TestKubeconfigIsASecret(t *testing.T) {
	r := deploy(t, mustLoad(t, nil))
	kc := mocktest.Await(t, pulumi.ToOutput(r.outputs["kubeconfig"]))
	if !kc.Secret || kc.Value != aztest.Kubeconfig {
		t.Errorf("kubeconfig output: secret %v, value %q", kc.Secret, kc.Value)
	}
	p := only(t, r.m, "pulumi:providers:kubernetes")
	if !p.IsSecret("kubeconfig") || p.String("kubeconfig") != aztest.Kubeconfig {
		t.Errorf("kubernetes provider kubeconfig: secret %v", p.IsSecret("kubeconfig"))
	}
}

// TestStatefulResourcesDoNotWaitForTheCluster: the database, disks, registry and storage are created alongside AKS.
func TestStatefulResourcesDoNotWaitForTheCluster(t *testing.T) {
	r := deploy(t, mustLoad(t, nil))
	isCluster := func(urn string) bool {
		return strings.Contains(urn, tCluster) || strings.Contains(urn, "containerservice:MaintenanceConfiguration")
	}
	for _, typ := range []string{tServer, tDisk, tRegistry, tAccount, tContainer, tRole} {
		for _, res := range r.m.ByType(typ) {
			if via := r.m.WaitsFor(res, isCluster); via != "" {
				t.Errorf("%s %s waits for the cluster through %s", typ, res.Name, via)
			}
		}
	}
	// Not vacuous: the Kubernetes provider, through which every object is created, waits for it.
	if via := r.m.WaitsFor(only(t, r.m, "pulumi:providers:kubernetes"), isCluster); via == "" {
		t.Fatal("the Kubernetes provider does not wait for the cluster: the dependency check would be vacuous")
	}
}

// TestServiceLayerOnAzure: every backbone PV names its disk with the Azure disk driver and pins the node label of
// the disk's zone; egov-config points at the flexible server; egov-filestore uses its Azure client with the
// account key from its Secret; the load balancer probes ingress-nginx's health path.
func TestServiceLayerOnAzure(t *testing.T) {
	r := deploy(t, mustLoad(t, nil))
	disks := r.m.ByType(tDisk)
	pvs := r.m.ByType(tPV)
	if len(pvs) != len(disks) {
		t.Fatalf("%d PVs for %d disks", len(pvs), len(disks))
	}
	for _, d := range disks {
		var match []aztest.Resource
		for _, pv := range pvs {
			if pv.String("spec.csi.volumeHandle") == d.ID {
				match = append(match, pv)
			}
		}
		if len(match) != 1 {
			t.Errorf("disk %s is in %d PVs", d.ID, len(match))
			continue
		}
		pv := match[0]
		expr := "spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0]"
		if pv.String("spec.csi.driver") != infraazure.DiskCSIDriver || pv.String(expr+".key") != infraazure.ZoneLabel ||
			pv.String(expr+".values[0]") != "centralindia-"+d.String("zones[0]") {
			t.Errorf("PV of disk %s: driver %q, affinity %v", d.Name, pv.String("spec.csi.driver"), pv.Get(expr))
		}
		if pv.String("spec.capacity.storage") != d.String("diskSizeGB")+"Gi" {
			t.Errorf("PV of %s: capacity %q, disk %s GB", d.Name, pv.String("spec.capacity.storage"), d.String("diskSizeGB"))
		}
	}
	server := only(t, r.m, tServer)
	fqdn := server.Outputs["fullyQualifiedDomainName"].StringValue()
	found := false
	for _, cm := range r.m.ByType("kubernetes:core/v1:ConfigMap") {
		if cm.MetadataName() != "egov-config" {
			continue
		}
		found = true
		if cm.String(`data["db-host"]`) != fqdn || cm.String(`data["db-url"]`) != "jdbc:postgresql://"+fqdn+":5432/egov" {
			t.Errorf("egov-config in %s: db-host %q, db-url %q; want %s", cm.Namespace(), cm.String(`data["db-host"]`),
				cm.String(`data["db-url"]`), fqdn)
		}
	}
	if !found {
		t.Fatal("no egov-config ConfigMap")
	}
	var fs aztest.Resource
	for _, d := range r.m.ByType("kubernetes:apps/v1:Deployment") {
		if d.MetadataName() == "egov-filestore" {
			fs = d
		}
	}
	env := "spec.template.spec.containers[0].env"
	account := only(t, r.m, tAccount).String("accountName")
	for name, want := range map[string]string{"ISAZURESTORAGEENABLED": "true", "ISS3ENABLED": "false",
		"AZURE_ACCOUNTNAME": account, "FIXED_CONTAINER_NAME": azc.FilestoreContainer,
		"AZURE_BLOB_HOST": "https://" + account + ".blob.core.windows.net"} {
		if got := fs.String(env + "[name=" + name + "].value"); got != want {
			t.Errorf("egov-filestore %s = %q, want %q", name, got, want)
		}
	}
	n := 0
	for _, e := range fs.Get(env).([]any) {
		if e.(map[string]any)["name"] == "ISS3ENABLED" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("ISS3ENABLED set %d times, want once (the catalogue's true replaced)", n)
	}
	ref := env + "[name=AZURE_ACCOUNTKEY].valueFrom.secretKeyRef"
	if fs.String(ref+".name") != "egov-filestore" || fs.String(ref+".key") != "awssecretkey" {
		t.Errorf("AZURE_ACCOUNTKEY comes from %v", fs.Get(ref))
	}
	for _, s := range r.m.ByType("kubernetes:core/v1:Secret") {
		if s.MetadataName() == "egov-filestore" && (!s.IsSecret(`stringData["awssecretkey"]`) ||
			s.String(`stringData["awssecretkey"]`) != aztest.AccountKey) {
			t.Errorf("egov-filestore Secret does not hold the account key as a secret: %v", s.Get("stringData"))
		}
	}
	if paths := r.m.PlaintextPaths(aztest.AccountKey); len(paths) > 0 {
		t.Errorf("the storage account key is in plaintext at %v", paths)
	}
	for _, svc := range r.m.ByType("kubernetes:core/v1:Service") {
		if svc.String("spec.type") == "LoadBalancer" &&
			svc.String(`metadata.annotations["service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path"]`) != "/healthz" {
			t.Errorf("LoadBalancer Service %s has no Azure health probe path: %v", svc.MetadataName(), svc.Get("metadata.annotations"))
		}
		if strings.Contains(svc.String("metadata.annotations"), "aws-load-balancer") {
			t.Errorf("Service %s carries AWS annotations on Azure", svc.MetadataName())
		}
	}
}

// TestComponentsAcceptWhatTheConfigAccepts: shapes the loader accepts at the edges of its ranges register without
// a component refusing them.
func TestComponentsAcceptWhatTheConfigAccepts(t *testing.T) {
	for name, extra := range map[string]map[string]string{
		"one zone, burstable, no HA": {"digit:zones": `["2"]`, "digit:database": `{"instanceClass": "Standard_B2ms", "storageGb": 20, "deletionProtection": true}`},
		"private cluster":            {"digit:apiAccess": `{"private": true}`},
		"largest storage":            {"digit:database": `{"storageGb": 32767, "maxStorageGb": 32767, "engineVersion": "13", "backupRetentionDays": 35, "deletionProtection": true}`},
		"autoscaled system pool":     {"digit:systemPool": `{"vmSize": "Standard_E4s_v5", "count": 3, "min": 1, "max": 5, "osDiskGb": 30}`},
		"small standard disks":       {"digit:volumes": `{"zookeeper": {"sizeGb": 4, "type": "Standard_LRS"}}`},
		"late window, dev-shaped":    {"digit:maintenanceWindow": `{"day": "Saturday", "hour": 23}`, "digit:protect": "false", "digit:geoRedundantBackup": ""},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := load(t, extra)
			if err != nil {
				t.Fatalf("the loader refuses it: %v", err)
			}
			deploy(t, cfg)
		})
	}
}
