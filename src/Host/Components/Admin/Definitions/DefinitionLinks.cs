using System.Globalization;

namespace AntiDrugFlow.Host.Components.Admin.Definitions;

/// <summary>The addresses of the definition pages, built in one place so links and redirects agree.</summary>
public static class DefinitionLinks
{
    public static string List => "/admin/definitions";

    public static string Page(string definitionId, int? version = null, string? notice = null)
    {
        var query = new List<string>();
        if (version is { } v)
        {
            query.Add("version=" + v.ToString(CultureInfo.InvariantCulture));
        }

        if (notice is not null)
        {
            query.Add("notice=" + Uri.EscapeDataString(notice));
        }

        var path = "/admin/definitions/" + Uri.EscapeDataString(definitionId);
        return query.Count == 0 ? path : path + "?" + string.Join('&', query);
    }

    public static string Compare(string definitionId, int from, int to) =>
        string.Create(CultureInfo.InvariantCulture, $"/admin/definitions/{Uri.EscapeDataString(definitionId)}/compare?from={from}&to={to}");
}
