using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>An agency in the directory files' JSON form, as the importer reads it back.</summary>
public static class AgencyDocument
{
    public static JsonObject ToJson(Agency agency)
    {
        var json = new JsonObject
        {
            ["id"] = agency.Id,
            ["name"] = agency.Name,
            ["kind"] = agency.Kind.ToString(),
            ["level"] = agency.Level,
        };
        Add(json, "county", agency.CountyCode);
        Add(json, "parent", agency.ParentId);
        if (agency.ContactEmails.Count > 0)
        {
            json["emails"] = new JsonArray([.. agency.ContactEmails.Select(e => JsonValue.Create(e))]);
        }

        Add(json, "policeStation", agency.PoliceStationId);
        Add(json, "militaryPolice", agency.MilitaryPoliceId);
        if (agency.AlsoServes.Count > 0)
        {
            json["alsoServes"] = new JsonArray([.. agency.AlsoServes.Select(c => JsonValue.Create(c))]);
        }

        if (agency.Endpoints.Count > 0)
        {
            var endpoints = new JsonObject();
            foreach (var (key, value) in agency.Endpoints.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                endpoints[key] = value;
            }

            json["endpoints"] = endpoints;
        }

        Add(json, "note", agency.Note);
        return json;
    }

    private static void Add(JsonObject json, string name, string? value)
    {
        if (value is not null)
        {
            json[name] = value;
        }
    }
}
