package azure

import (
	cs "github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2"
	insights "github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	operationalinsights "github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// What the cluster sends to Azure Monitor (CIS AKS 2.1.1, checkov CKV_AZURE_4).
const (
	// LogRetentionDays is how long the cluster's Log Analytics workspace keeps control-plane and container logs;
	// the first 31 days cost nothing beyond ingestion.
	LogRetentionDays = 90
	// ContainerInsightsStream is the stream of Container Insights' default tables (ContainerLogV2, KubePodInventory,
	// KubeEvents, ...); ContainerInsightsExtension is both the agent extension's data source name and the name AKS's
	// agent looks the rule's association up by.
	ContainerInsightsStream    = "Microsoft-ContainerInsights-Group-Default"
	ContainerInsightsExtension = "ContainerInsightsExtension"
)

// ControlPlaneLogCategories are the AKS resource-log categories sent to the workspace: the API server, the audit log
// of changes (kube-audit-admin is kube-audit without get and list, a fraction of its volume), the controller manager,
// the scheduler and the autoscaler.
var ControlPlaneLogCategories = []string{"kube-apiserver", "kube-audit-admin", "kube-controller-manager",
	"kube-scheduler", "cluster-autoscaler"}

// newWorkspace is the Log Analytics workspace the cluster's logs go to. It exists before the cluster: the
// monitoring add-on names it.
func newWorkspace(ctx *pulumi.Context, name string, rg pulumi.StringInput, loc pulumi.StringInput, tags pulumi.StringMap,
	parent pulumi.ResourceOption,
) (*operationalinsights.Workspace, error) {
	return operationalinsights.NewWorkspace(ctx, name+"-logs", &operationalinsights.WorkspaceArgs{
		ResourceGroupName: rg, Location: loc, Tags: tags,
		Sku:             &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays: pulumi.Int(LogRetentionDays),
	}, parent)
}

// monitoringAddon turns on Container Insights' agent with managed-identity authentication, which sends nothing
// until a data collection rule is associated with the cluster (newClusterMonitoring).
func monitoringAddon(workspace *operationalinsights.Workspace) cs.ManagedClusterAddonProfileMap {
	return cs.ManagedClusterAddonProfileMap{"omsagent": &cs.ManagedClusterAddonProfileArgs{
		Enabled: pulumi.Bool(true),
		Config: pulumi.StringMap{
			"logAnalyticsWorkspaceResourceID": workspace.ID().ToStringOutput(),
			"useAADAuth":                      pulumi.String("true"),
		},
	}}
}

// newClusterMonitoring sends the cluster's container logs and inventory (a data collection rule for Container
// Insights, associated with the cluster, as Azure's own onboarding template does) and its control-plane logs (a
// diagnostic setting) to the workspace.
func newClusterMonitoring(ctx *pulumi.Context, name string, clusterID pulumi.StringInput, rg, loc pulumi.StringInput,
	workspace *operationalinsights.Workspace, tags pulumi.StringMap, parent pulumi.ResourceOption,
) error {
	const destination = "workspace"
	rule, err := insights.NewDataCollectionRule(ctx, name+"-container-insights", &insights.DataCollectionRuleArgs{
		ResourceGroupName: rg, Location: loc, Tags: tags,
		Kind:        pulumi.String("Linux"),
		Description: pulumi.String("Container Insights of " + name),
		DataSources: &insights.DataCollectionRuleDataSourcesArgs{
			Extensions: insights.ExtensionDataSourceArray{&insights.ExtensionDataSourceArgs{
				Name:          pulumi.String(ContainerInsightsExtension),
				ExtensionName: pulumi.String("ContainerInsights"),
				Streams:       pulumi.StringArray{pulumi.String(ContainerInsightsStream)},
				ExtensionSettings: pulumi.Map{"dataCollectionSettings": pulumi.Map{
					"interval": pulumi.String("1m"), "namespaceFilteringMode": pulumi.String("Off"),
					"enableContainerLogV2": pulumi.Bool(true),
				}},
			}},
		},
		Destinations: &insights.DataCollectionRuleDestinationsArgs{
			LogAnalytics: insights.LogAnalyticsDestinationArray{&insights.LogAnalyticsDestinationArgs{
				Name: pulumi.String(destination), WorkspaceResourceId: workspace.ID().ToStringOutput(),
			}},
		},
		DataFlows: insights.DataFlowArray{&insights.DataFlowArgs{
			Streams:      pulumi.StringArray{pulumi.String(ContainerInsightsStream)},
			Destinations: pulumi.StringArray{pulumi.String(destination)},
		}},
	}, parent)
	if err != nil {
		return err
	}
	if _, err := insights.NewDataCollectionRuleAssociation(ctx, name+"-container-insights",
		&insights.DataCollectionRuleAssociationArgs{
			AssociationName:      pulumi.String(ContainerInsightsExtension),
			ResourceUri:          clusterID,
			DataCollectionRuleId: rule.ID().ToStringOutput(),
			Description:          pulumi.String("Deleting this association stops Container Insights of " + name),
		}, parent); err != nil {
		return err
	}
	logs := insights.LogSettingsArray{}
	for _, c := range ControlPlaneLogCategories {
		logs = append(logs, &insights.LogSettingsArgs{Category: pulumi.String(c), Enabled: pulumi.Bool(true)})
	}
	_, err = insights.NewDiagnosticSetting(ctx, name+"-control-plane", &insights.DiagnosticSettingArgs{
		Name:        pulumi.String("control-plane"),
		ResourceUri: clusterID,
		WorkspaceId: workspace.ID().ToStringOutput(),
		// Resource-specific tables (AKSAudit, AKSControlPlane...) rather than the shared AzureDiagnostics one.
		LogAnalyticsDestinationType: pulumi.String("Dedicated"),
		Logs:                        logs,
	}, parent)
	return err
}
