using System.Net.Http.Headers;
using AntiDrugFlow.Integrations.Outbox;

namespace AntiDrugFlow.Integrations.AgencySystems;

/// <summary>
/// Points a call at the agency's address in the directory in force, looked up at the moment of the call,
/// so a corrected directory entry applies to messages still waiting. Runs outside the resilience handler,
/// whose circuit breakers are then kept per agency address.
/// </summary>
public sealed class AgencyAddressHandler(IAgencyEndpoints endpoints) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var agencyId = Option(request, AgencyRequestOptions.AgencyId);
        var system = Enum.Parse<AgencySystem>(Option(request, AgencyRequestOptions.System));
        var endpoint = (await endpoints.ForAgencyAsync(agencyId, cancellationToken)).FirstOrDefault(e => e.System == system)
            ?? throw new DeliveryException($"agency {agencyId} has no {system} endpoint in the directory");
        request.RequestUri = endpoint.Address;
        return await base.SendAsync(request, cancellationToken);
    }

    internal static string Option(HttpRequestMessage request, string name) =>
        request.Options.TryGetValue(new HttpRequestOptionsKey<string>(name), out var value) && value is not null
            ? value
            : throw new InvalidOperationException($"agency system call without the {name} request option");
}

/// <summary>
/// Signs the body with the agency's key and a fresh timestamp. Added after the resilience handler, so
/// every attempt is signed anew; the Idempotency-Key header stays the same on all of them.
/// </summary>
public sealed class AgencySigningHandler(IAgencyEndpoints endpoints, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var agencyId = AgencyAddressHandler.Option(request, AgencyRequestOptions.AgencyId);
        var key = endpoints.SigningKey(agencyId) ?? throw new DeliveryException($"no signing key configured for agency {agencyId}");
        byte[] body = [];
        if (request.Content is ByteArrayContent signed)
        {
            body = await signed.ReadAsByteArrayAsync(cancellationToken);
        }
        else if (request.Content is { } content)
        {
            body = await content.ReadAsByteArrayAsync(cancellationToken);
            // Fixed bytes with a Content-Length, as signed, and readable again by the next attempt.
            var fixedContent = new ByteArrayContent(body);
            fixedContent.Headers.ContentType = content.Headers.ContentType ?? new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Content = fixedContent;
        }

        var timestamp = AgencySignature.Timestamp(time.GetUtcNow());
        request.Headers.Remove(AgencySignature.TimestampHeader);
        request.Headers.Remove(AgencySignature.SignatureHeader);
        request.Headers.Add(AgencySignature.TimestampHeader, timestamp);
        request.Headers.Add(AgencySignature.SignatureHeader, AgencySignature.Sign(key, timestamp, body));
        return await base.SendAsync(request, cancellationToken);
    }
}
