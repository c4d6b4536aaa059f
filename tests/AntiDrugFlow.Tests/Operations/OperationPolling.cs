using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AntiDrugFlow.Tests.Operations;

/// <summary>Follows an operation through the API as a script would, until it ends.</summary>
public static class OperationPolling
{
    public static async Task<JsonObject> WaitForEndAsync(this HttpClient http, string location)
    {
        // The bound keeps a broken runner from hanging the run; nothing here asserts on time.
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var operation = (await http.GetFromJsonAsync<JsonObject>(location))!;
            if (operation["status"]!.GetValue<string>() != "Running")
            {
                return operation;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{location} did not end");
    }
}
