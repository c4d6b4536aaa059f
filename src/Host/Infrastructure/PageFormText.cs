using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace AntiDrugFlow.Host.Infrastructure;

/// <summary>
/// A page's form (application/x-www-form-urlencoded) with an escaped NUL (<c>%00</c>) in a field: the framework's form reader
/// refuses the whole form, so antiforgery sees no token and the page never learns which field was wrong (an English 400).
/// Such a form is read here instead, the NUL kept, so the page's own checks (<c>TextRules</c>) name the field in Chinese,
/// as the API's JSON guard does. Only page posts of at most 1 MB; other forms go to the framework unchanged.
/// </summary>
public static class PageFormText
{
    private const long MaxBytes = 1024 * 1024;

    public static WebApplication UsePageFormText(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (HttpMethods.IsPost(request.Method) && IsUrlEncodedForm(request.ContentType) && request.ContentLength is > 0 and <= MaxBytes
                && !request.Path.StartsWithSegments("/api") && !request.Path.StartsWithSegments("/elsa/api") && !request.Path.StartsWithSegments("/workflows"))
            {
                request.EnableBuffering();
                using var buffer = new MemoryStream();
                await request.Body.CopyToAsync(buffer, context.RequestAborted);
                request.Body.Position = 0;
                var body = Encoding.ASCII.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
                if (body.Contains("%00", StringComparison.Ordinal))
                {
                    context.Features.Set<IFormFeature>(new FormFeature(Parse(body)));
                }
            }

            await next(context);
        });
        return app;
    }

    /// <summary>The fields of a URL-encoded form, decoded as UTF-8 with '+' as a space; a NUL stays a NUL.</summary>
    public static FormCollection Parse(string body)
    {
        var fields = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]);
            fields[name] = fields.TryGetValue(name, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }

        return new FormCollection(fields);
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    private static bool IsUrlEncodedForm(string? contentType) =>
        contentType is not null && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var type)
        && type.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
}
