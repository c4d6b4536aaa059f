using Microsoft.Extensions.FileProviders;

namespace AntiDrugFlow.Host.Components;

/// <summary>The administrator's web pages: Razor components rendered on the server, with plain form posts.</summary>
public static class WebPagesExtensions
{
    public static WebApplicationBuilder AddWebPages(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddAntiforgery();
        builder.Services.AddSingleton<Admin.Definitions.RetractConsequences>();
        return builder;
    }

    public static WebApplication MapWebPages(this WebApplication app)
    {
        // Embedded, not wwwroot on disk: the host is started from the repository root, the build folder or a publish folder.
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new EmbeddedFileProvider(typeof(WebPagesExtensions).Assembly, "AntiDrugFlow.Host.wwwroot"),
        });
        app.UseAntiforgery();
        app.MapRazorComponents<App>();
        return app;
    }
}
