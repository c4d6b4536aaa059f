using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>
/// Submits a page's form as a browser would: loads the page for its antiforgery token (and cookie),
/// then posts the fields with the form's name, to the page's own address.
/// </summary>
public static partial class PageForm
{
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string address, string formName, params (string Name, string Value)[] fields)
    {
        var content = new FormUrlEncodedContent(
            fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))
                .Append(new("_handler", formName))
                .Append(new("__RequestVerificationToken", await AntiforgeryTokenAsync(client, address))));
        return await client.PostAsync(address, content);
    }

    /// <summary>The antiforgery token of the page's form (its cookie stays in the client), for forms posted by hand, such as uploads.</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string address)
    {
        var page = await client.GetAsync(address);
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync());
        if (!token.Success)
        {
            throw new InvalidOperationException($"{address} ({(int)page.StatusCode}) has no form with an antiforgery token");
        }

        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    /// <summary>The message is in an element named after the field, and that element comes after the field it is about and before the next field.</summary>
    public static void AssertErrorAfter(string html, string fieldMarker, string field, string message)
    {
        var fieldAt = html.IndexOf(fieldMarker, StringComparison.Ordinal);
        var errorAt = html.IndexOf($"id=\"{field}-error\"", StringComparison.Ordinal);
        Assert.True(fieldAt >= 0, $"no {fieldMarker} in the page");
        Assert.True(errorAt > fieldAt, $"the {field} message is not after its field");
        var nextField = html.IndexOf("<input", errorAt, StringComparison.Ordinal) is var next and >= 0 ? next : html.Length;
        var messageAt = html.IndexOf(message, errorAt, StringComparison.Ordinal);
        Assert.True(messageAt > errorAt && messageAt < nextField, $"「{message}」 is not in the {field} message");
    }

    /// <summary>GETs a page that must answer 200 and gives its text as a browser shows it.</summary>
    public static async Task<string> PageAsync(HttpClient client, string address)
    {
        var response = await client.GetAsync(address);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await TextAsync(response);
    }

    /// <summary>The page's text as a browser shows it: Blazor writes Chinese as character references.</summary>
    public static async Task<string> TextAsync(HttpResponseMessage response) =>
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
