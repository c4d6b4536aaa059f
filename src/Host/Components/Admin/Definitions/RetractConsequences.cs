using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Http;

namespace AntiDrugFlow.Host.Components.Admin.Definitions;

/// <summary>What stops working while a definition has no published version: the pages and endpoints that start it.</summary>
public sealed class RetractConsequences(HttpEndpointIndex endpoints)
{
    public async Task<IReadOnlyList<string>> DescribeAsync(string definitionId, CancellationToken cancellationToken)
    {
        var result = new List<string>();
        var kinds = CaseKinds.All.Where(k => k.Chain == definitionId).ToList();
        if (kinds.Count > 0)
        {
            result.Add($"「發起通報」頁面（/notifications/new）的通報類別：{string.Join("、", kinds.Select(k => k.DisplayName))}。送出時會看到「通報暫時無法送出」的說明，填寫的內容會保留，但不會建立案件。");
            result.Add("以 API（POST /api/notifications）發起上述類別的通報會被拒絕（503）。");
        }

        foreach (var route in (await endpoints.RoutesAsync(cancellationToken)).Where(r => r.DefinitionId == definitionId && r.StartsInstances))
        {
            result.Add($"HTTP 端點 {string.Join("/", route.Methods)} /workflows/{route.Template.Text.TrimStart('/')} 不再啟動新的執行個體。");
        }

        result.Add("以 API 或 Elsa API 啟動這個定義（execute、dispatch）會回應找不到發布中的版本。");
        return result;
    }
}
