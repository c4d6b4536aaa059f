using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>
/// The pages in-process on a fresh database of their own (<see cref="ApiFactory"/>), with one client that by default does not
/// follow redirects, so a test sees where a page sends it: what each page test class starts and disposes around every test.
/// </summary>
public sealed class PageHost : IAsyncDisposable
{
    private PageHost(ApiFactory factory, bool followRedirects)
    {
        Factory = factory;
        Http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = followRedirects });
    }

    public ApiFactory Factory { get; }

    public HttpClient Http { get; }

    public static async Task<PageHost> StartAsync(IReadOnlyDictionary<string, string>? settings = null, bool followRedirects = false) =>
        new(await ApiFactory.CreateAsync(settings), followRedirects);

    /// <summary>The page's text as a browser shows it; anything but 200 fails the test.</summary>
    public Task<string> PageAsync(string address) => PageForm.PageAsync(Http, address);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Factory.DisposeAsync();
    }
}
